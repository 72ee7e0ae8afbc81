package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gollama/gollama/session"
)

// slotFile saves a slot's state to, or restores it from, a session file
// under SlotSavePath, as llama-server's /slots/{id}?action=save|restore.
func (s *Server) slotFile(w http.ResponseWriter, r *http.Request, id int, action string) {
	if s.opts.SlotSavePath == "" {
		writeError(w, http.StatusNotImplemented, "not_supported_error", "slot save/restore is disabled: start the server with --slot-save-path DIR")
		return
	}
	var req struct {
		Filename string `json:"filename"`
	}
	if !decode(w, r, &req) {
		return
	}
	if err := validFilename(req.Filename); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	path := filepath.Join(s.opts.SlotSavePath, req.Filename)
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("filename %q: not a regular file", req.Filename))
		return
	}
	start := time.Now()
	var status int
	var failure error
	var body map[string]any
	derr := s.sched.do(func() {
		sl := s.sched.slots[id]
		if sl.active() {
			status, failure = http.StatusConflict, fmt.Errorf("slot %d is processing a request", id)
			return
		}
		switch action {
		case "save":
			var buf bytes.Buffer
			if err := sl.conv.Save(&buf); err != nil {
				status, failure = http.StatusInternalServerError, err
				return
			}
			if err := session.WriteFileAtomic(path, func(f io.Writer) error { _, err := f.Write(buf.Bytes()); return err }); err != nil {
				status, failure = http.StatusInternalServerError, err
				return
			}
			body = map[string]any{"id_slot": id, "filename": req.Filename, "n_saved": len(sl.tokens()), "n_written": buf.Len(),
				"timings": map[string]any{"save_ms": float64(time.Since(start).Microseconds()) / 1e3}}
		case "restore":
			b, err := os.ReadFile(path)
			if err != nil {
				status, failure = http.StatusBadRequest, fmt.Errorf("slot file %q: %w", req.Filename, err)
				return
			}
			// Load into the spare sequence first: a bad file leaves the slot as it was.
			conv, err := s.sched.exec.Load(bytes.NewReader(b))
			if err != nil {
				status, failure = http.StatusBadRequest, err
				return
			}
			// The shared cache would take it, at the other slots' expense.
			if n := conv.Session().Len(); n > s.opts.CtxSize {
				conv.Dispose()
				status, failure = http.StatusBadRequest, fmt.Errorf("slot file %q holds %d tokens; a slot holds %d", req.Filename, n, s.opts.CtxSize)
				return
			}
			sl.conv.Dispose()
			sl.conv = conv
			body = map[string]any{"id_slot": id, "filename": req.Filename, "n_restored": len(sl.tokens()), "n_read": len(b),
				"timings": map[string]any{"restore_ms": float64(time.Since(start).Microseconds()) / 1e3}}
		}
	})
	if derr != nil {
		writeGenError(w, derr)
		return
	}
	if failure != nil {
		writeError(w, status, "invalid_request_error", failure.Error())
		return
	}
	// On the scheduler's goroutine: the slots are its to read.
	s.sched.do(s.sched.updateCacheMetrics)
	writeJSON(w, http.StatusOK, body)
}

// validFilename refuses names that could leave the save directory.
func validFilename(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("filename %q: want a plain file name", name)
	case strings.ContainsAny(name, `/\`+"\x00"):
		return fmt.Errorf("filename %q: must not contain path separators", name)
	case len(name) > 255:
		return fmt.Errorf("filename is longer than 255 bytes")
	}
	return nil
}
