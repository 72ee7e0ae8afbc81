// Package protocol is the worker protocol's wire format: the JSON messages
// gollama workers and their clients exchange over NATS, and its error codes.
// It has no dependencies so clients need not build the inference engine.
//
// A request is a WorkerRequest with exactly one command set (list, predict
// or interrupt), sent to the worker subject (default "gollama.worker"). The
// reply is a WorkerResponse echoing the job id, with the command's result
// or an Error. See worker/README.md for subjects and routing.
package protocol

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Defaults shared by workers and clients.
const (
	DefaultSubject = "gollama.worker"
	DefaultQueue   = "gollama"
)

// JobSubject is the subject a worker running job listens on (outside any
// queue group) while the job runs, so an interrupt reaches that worker.
func JobSubject(subject, job string) string { return subject + ".job." + job }

// WorkerRequest is one request. Exactly one of List, Predict, Interrupt is
// set.
type WorkerRequest struct {
	Job       string            `json:"job"`
	List      *ListRequest      `json:"list,omitempty"`
	Predict   *PredictRequest   `json:"predict,omitempty"`
	Interrupt *InterruptRequest `json:"interrupt,omitempty"`
}

// WorkerResponse is the reply to a WorkerRequest, and (with only Stream
// set) each chunk of a streamed prediction.
type WorkerResponse struct {
	Job       string             `json:"job"`
	List      *ListResponse      `json:"list,omitempty"`
	Predict   *PredictResponse   `json:"predict,omitempty"`
	Interrupt *InterruptResponse `json:"interrupt,omitempty"`
	Stream    *StreamResponse    `json:"stream,omitempty"`
	Error     *Error             `json:"error,omitempty"`
}

// ListRequest asks for the worker's model and the options predict accepts.
type ListRequest struct{}

// ListResponse describes what the worker serves.
type ListResponse struct {
	Models []ModelInfo `json:"models"`
}

// ModelInfo is one model and its predict options.
type ModelInfo struct {
	Model   string   `json:"model"`
	Options []Option `json:"options"`
}

// Option is one predict option: its name (llama.cpp's server spelling),
// default value and meaning.
type Option struct {
	Name        string `json:"name"`
	Default     any    `json:"default"`
	Description string `json:"description"`
}

// PredictRequest asks for a completion of System followed by the Input
// lines. Input lines are dropped from the start until the prompt and
// n_predict fit the context; System is always kept.
type PredictRequest struct {
	// Model, if set, must name the worker's model (else code 10).
	Model  string   `json:"model,omitempty"`
	System string   `json:"system,omitempty"`
	Input  []string `json:"input"`
	// Stream, if set, is a subject the worker publishes StreamResponse
	// chunks to (wrapped in a WorkerResponse) as tokens are generated.
	Stream string `json:"stream,omitempty"`
	// Options are sampling parameters by name ("temperature", "n_predict").
	Options map[string]json.RawMessage `json:"options,omitempty"`
}

// PredictResponse is a finished (or, with an interrupted error, partial)
// prediction.
type PredictResponse struct {
	Output string `json:"output"`
	// StopType is why generation stopped: "eos", "stop", "length",
	// "cancelled" or "context".
	StopType        string `json:"stop_type,omitempty"`
	TokensEvaluated int    `json:"tokens_evaluated,omitempty"`
	TokensPredicted int    `json:"tokens_predicted,omitempty"`
	// InputDropped is how many input lines were dropped to fit the context.
	InputDropped int `json:"input_dropped,omitempty"`
}

// StreamResponse is one chunk of streamed output. An empty Output is a
// heartbeat: the job is alive (it is also the first chunk, sent when the
// worker accepts the job).
type StreamResponse struct {
	Output string `json:"output"`
}

// InterruptRequest asks the worker running Job to stop it.
type InterruptRequest struct {
	Job string `json:"job"`
}

// InterruptResponse confirms the job has stopped.
type InterruptResponse struct{}

// Code is a protocol error code.
type Code int

// Error codes.
const (
	CodeUnknown     Code = 0  // an unexpected internal error
	CodeIllegible   Code = 1  // the request is not JSON
	CodeInvalid     Code = 2  // missing or invalid fields
	CodeUnsupported Code = 3  // no known command in the request
	CodeNotFound    Code = 4  // interrupt: no worker runs that job
	CodeShutdown    Code = 5  // the worker is shutting down
	CodeBusy        Code = 6  // every session of the worker is in use
	CodeFailed      Code = 7  // prediction failed
	CodeInterrupted Code = 8  // the job was interrupted
	CodeHookFailed  Code = 9  // a request hook vetoed or failed
	CodeBadModel    Code = 10 // the request names another model
)

var codeNames = [...]string{"unknown", "illegible request", "invalid request", "unsupported command",
	"job not found", "shutting down", "busy", "prediction failed", "interrupted", "hook failed", "invalid model"}

func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code %d", int(c))
}

// Error is a protocol error. It is also a Go error, so hooks can return one
// to choose the code and clients can errors.As it.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "worker: " + e.Code.String()
	}
	return fmt.Sprintf("worker: %s: %s", e.Code, e.Message)
}

// Is makes errors.Is(err, &Error{Code: c}) match any error with code c.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == ""
}

// Errorf builds an Error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// MaxJobLen bounds job ids (they become part of a subject).
const MaxJobLen = 128

// ValidJob reports why job cannot be a job id, or nil: it must be 1 to
// MaxJobLen characters, none of them whitespace, '.', '*' or '>', since it
// becomes one token of JobSubject.
func ValidJob(job string) error {
	if job == "" {
		return fmt.Errorf("job id is empty")
	}
	if len(job) > MaxJobLen {
		return fmt.Errorf("job id is %d bytes, at most %d allowed", len(job), MaxJobLen)
	}
	if i := strings.IndexFunc(job, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '.' || r == '*' || r == '>'
	}); i >= 0 {
		return fmt.Errorf("job id %q has %q at byte %d: whitespace, control characters, '.', '*' and '>' are not allowed", job, job[i], i)
	}
	return nil
}
