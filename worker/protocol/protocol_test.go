package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidJob(t *testing.T) {
	for _, ok := range []string{"1", "job-42_x", "ünïcode", strings.Repeat("a", MaxJobLen)} {
		if err := ValidJob(ok); err != nil {
			t.Errorf("ValidJob(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a.b", "a b", "a*", ">", "tab\t", "nl\n", strings.Repeat("a", MaxJobLen+1)} {
		if ValidJob(bad) == nil {
			t.Errorf("ValidJob(%q) accepted", bad)
		}
	}
}

func TestErrorMatchesByCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Errorf(CodeBusy, "all %d sessions are busy", 2))
	if !errors.Is(err, &Error{Code: CodeBusy}) {
		t.Error("a busy error does not match code 6")
	}
	if errors.Is(err, &Error{Code: CodeShutdown}) {
		t.Error("a busy error matches code 5")
	}
	if got := err.Error(); got != "wrapped: worker: busy: all 2 sessions are busy" {
		t.Errorf("message %q", got)
	}
	if Code(42).String() != "code 42" || CodeBadModel.String() != "invalid model" {
		t.Error("code names")
	}
}

// The wire format: field names as the protocol spells them, empty
// commands left out.
func TestWireFormat(t *testing.T) {
	b, err := json.Marshal(&WorkerResponse{Job: "1", Error: Errorf(CodeNotFound, "gone")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"job":"1","error":{"code":4,"message":"gone"}}`; string(b) != want {
		t.Errorf("%s, want %s", b, want)
	}
	var req WorkerRequest
	if err := json.Unmarshal([]byte(`{"job":"1","predict":{"system":"s","input":["a"],"stream":"x.y","options":{"n_predict":8}}}`), &req); err != nil {
		t.Fatal(err)
	}
	if req.Predict == nil || req.Predict.System != "s" || req.Predict.Stream != "x.y" || string(req.Predict.Options["n_predict"]) != "8" {
		t.Errorf("decoded %+v", req.Predict)
	}
	if JobSubject("gollama.worker", "7") != "gollama.worker.job.7" {
		t.Error("JobSubject")
	}
}
