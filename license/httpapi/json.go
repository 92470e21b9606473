package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// decode reads one JSON object into v, refusing unknown fields, trailing
// data and bodies over maxJSONBody, with messages that name the field.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	// encoding/json would turn bad bytes into U+FFFD and store a text
	// nobody sent; refuse them, saying where.
	if !utf8.Valid(raw) {
		at := 0
		for at < len(raw) {
			c, n := utf8.DecodeRune(raw[at:])
			if c == utf8.RuneError && n <= 1 {
				break
			}
			at += n
		}
		return errorf(400, CodeInvalidJSON, "the body is not valid UTF-8 (byte %d)", at)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errorf(400, CodeInvalidJSON, "the body holds more than one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return errorf(400, CodeInvalidJSON, "the body is empty; a JSON object is expected")
	case errors.As(err, &se):
		return &apiError{Status: 400, Code: CodeInvalidJSON, Message: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)}
	case errors.As(err, &te):
		return &apiError{Status: 400, Code: CodeInvalidJSON, Field: te.Field, Message: fmt.Sprintf("field %s: expected %s, got %s", te.Field, te.Type, te.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apiError{Status: 400, Code: CodeInvalidJSON, Field: f, Message: fmt.Sprintf("unknown field %q", f)}
	}
	return &apiError{Status: 400, Code: CodeInvalidJSON, Message: "malformed JSON: " + err.Error()}
}

// writeJSON answers status with v.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// answer writes v with 200 when err is nil, and otherwise returns err for
// writeError: the tail of every route that answers what it just loaded.
func answer(w http.ResponseWriter, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

// orEmpty makes a nil list answer [] rather than null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
