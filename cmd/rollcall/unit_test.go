package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
)

func TestReadEmails(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		want    []string
		wantErr []string // detail lines of the error
	}{
		{"arguments", []string{"A@x.org", "b@x.org"}, "", []string{"a@x.org", "b@x.org"}, nil},
		{"comma list in one argument", []string{"a@x.org,b@x.org; c@x.org"}, "", []string{"a@x.org", "b@x.org", "c@x.org"}, nil},
		{"stdin when no arguments", nil, "\ufeffa@x.org\r\n\r\nb@x.org, c@x.org,\n", []string{"a@x.org", "b@x.org", "c@x.org"}, nil},
		{"dash reads stdin in place", []string{"a@x.org", "-", "z@x.org"}, "b@x.org\n", []string{"a@x.org", "z@x.org", "b@x.org"}, nil},
		{"repeats folded", []string{"a@x.org", "A@X.ORG"}, "a@x.org\n", []string{"a@x.org"}, nil},
		{"every bad one listed", []string{"ok@x.org", "bad@", "worse"}, "", nil,
			[]string{`argument 2: "bad@": is not a valid address`, `argument 3: "worse": is not a valid address`}},
		{"bad on stdin by line", nil, "ok@x.org\n\nnope@nodot\n", nil, []string{`stdin line 3: "nope@nodot": is not a valid address`}},
		{"terminal escape shown escaped", []string{"\x1b[31m@x.org"}, "", nil, []string{`argument 1: "\x1b[31m@x.org": is not a valid address`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := readEmails(tc.args, strings.NewReader(tc.stdin))
			if tc.wantErr != nil {
				var ie *invalidEmailsError
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want *invalidEmailsError", err)
				}
				if got := ie.Details(); !slices.Equal(got, tc.wantErr) {
					t.Errorf("details = %q, want %q", got, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.email)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("emails = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := readEmails(nil, strings.NewReader("\n \n")); err == nil {
		t.Error("an empty list is not an error")
	}
}

func TestParseFeatures(t *testing.T) {
	tests := []struct {
		in      []string
		want    map[string]bool
		wantErr bool
	}{
		{[]string{"chat=on", "Export=OFF", "beta=true", "x=0"}, map[string]bool{"chat": true, "export": false, "beta": true, "x": false}, false},
		{[]string{"chat"}, nil, true},
		{[]string{"=on"}, nil, true},
		{[]string{"chat=maybe"}, nil, true},
	}
	for _, tc := range tests {
		got, err := parseFeatures(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseFeatures(%q) error = %v", tc.in, err)
			continue
		}
		if !tc.wantErr && fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("parseFeatures(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCellKeepsColumnsAndTerminalSafe(t *testing.T) {
	tests := map[string]string{
		"":                 "-",
		"Zoë":              "Zoë",
		"a\tb":             `a\tb`,
		"line\nbreak":      `line\nbreak`,
		"\x1b]0;pwned\x07": `\x1b]0;pwned\a`,
	}
	for in, want := range tests {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReportErrorExitCodes(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		code  int
		lines []string
	}{
		{"nil", nil, exitOK, nil},
		{"plain", fmt.Errorf("license x: %w", license.ErrNotFound), exitError, []string{"rollcall: license x: not found"}},
		{"usage", &usageError{msg: "bad", path: "rollcall license"}, exitUsage, []string{"rollcall: bad", "Run 'rollcall license --help' for usage."}},
		{"wrapped usage", fmt.Errorf("x: %w", &usageError{msg: "bad"}), exitUsage, []string{"rollcall: bad"}},
		{"details", &checkError{path: "db", problems: []string{"page 3 freed twice", "page 9 unreachable"}}, exitError,
			[]string{"rollcall: database db has 2 problems:", "  page 3 freed twice", "  page 9 unreachable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if code := reportError(&b, tc.err); code != tc.code {
				t.Errorf("code = %d, want %d", code, tc.code)
			}
			var got []string
			if b.Len() > 0 {
				got = strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			}
			if !slices.Equal(got, tc.lines) {
				t.Errorf("printed %q, want %q", got, tc.lines)
			}
		})
	}
}

func TestCheckProblemsSplitsJoinedErrors(t *testing.T) {
	err := fmt.Errorf("check f.db: %w", errors.Join(errors.New("page 3: freed twice"), errors.New("page 9: unreachable")))
	if got, want := checkProblems(err), []string{"page 3: freed twice", "page 9: unreachable"}; !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestProgressReaderDrawsABar(t *testing.T) {
	data := bytes.Repeat([]byte("someone@example.org,Some One,student\n"), 1000)
	var bar bytes.Buffer
	r, done := progressReader(&bar, bytes.NewReader(data), int64(len(data)), "checking")
	got, err := io.ReadAll(r)
	done()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the wrapped reader changed the data (err %v)", err)
	}
	if !strings.Contains(bar.String(), "checking") || !strings.Contains(bar.String(), "100%") {
		t.Errorf("no finished bar drawn: %q", bar.String())
	}
}

func TestReaderSkipsBarOffTerminal(t *testing.T) {
	var stderr bytes.Buffer
	a := &app{stderr: &stderr}
	in := &importInput{name: "f.csv", data: bytes.Repeat([]byte("a@x.org\n"), progressRows+1), rows: progressRows + 1}
	r, done := a.reader(in)
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	done()
	if stderr.Len() != 0 {
		t.Errorf("a bar was drawn on a non-terminal: %q", stderr.String())
	}
}

func TestReadImportInputCountsRows(t *testing.T) {
	tests := map[string]int{"": 0, "a": 1, "a\n": 1, "a\nb": 2, "a\r\nb\r\n": 2}
	for in, want := range tests {
		a := &app{stdin: strings.NewReader(in)}
		got, err := a.readImportInput("-")
		if err != nil || got.rows != want || got.name != "stdin" {
			t.Errorf("readImportInput(%q) = %+v, %v; want %d rows", in, got, err, want)
		}
	}
}

// panicReader stands for any bug deep in a command.
type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("boom") }

func TestRunRecoversFromPanic(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"--data-dir", t.TempDir(), "members", "add", "-l", "x"}, panicReader{}, &stdout, &stderr)
	if code != exitError {
		t.Errorf("exit code %d, want %d", code, exitError)
	}
	if got := stderr.String(); got != "rollcall: internal error: boom (please report this)\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestConfirm(t *testing.T) {
	tests := map[string]bool{"y\n": true, "YES\n": true, " yes ": true, "n\n": false, "\n": false, "": false, "yep\n": false}
	for in, want := range tests {
		var stderr bytes.Buffer
		a := &app{stdin: strings.NewReader(in), stderr: &stderr}
		if got := a.confirm("Delete?"); got != want {
			t.Errorf("answer %q: confirm = %v, want %v", in, got, want)
		}
		if !strings.HasPrefix(stderr.String(), "Delete? [y/N] ") {
			t.Errorf("prompt = %q", stderr.String())
		}
	}
}
