package fakeauth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// DebianPython is the interpreter Google's Python client is installed
// for (Debian's python3-googleapi, python3-google-auth,
// python3-google-auth-httplib2), not whatever python3 is first on PATH.
const DebianPython = "/usr/bin/python3"

// ErrNoPythonClient says Google's Python client is not installed.
var ErrNoPythonClient = errors.New("the Python client of Google APIs is not installed for " + DebianPython +
	" (apt-get install python3-googleapi python3-google-auth python3-google-auth-httplib2; scripts/test.sh does)")

// PythonClient checks that DebianPython can import Google's Python client
// and returns the interpreter's path, or an error wrapping
// ErrNoPythonClient.
func PythonClient() (string, error) {
	if _, err := os.Stat(DebianPython); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoPythonClient, err)
	}
	out, err := exec.Command(DebianPython, "-c",
		"import googleapiclient.discovery, google.oauth2.service_account, google_auth_httplib2").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %v: %s", ErrNoPythonClient, err, out)
	}
	return DebianPython, nil
}

// PythonEnv is the environment for running the Python client against a
// fake on loopback: no proxy may intercept it, and no user site packages
// may shadow Debian's.
func PythonEnv() []string {
	env := []string{"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "PYTHONNOUSERSITE=1", "PYTHONDONTWRITEBYTECODE=1"}
	for _, k := range []string{"PATH", "HOME", "LANG", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
