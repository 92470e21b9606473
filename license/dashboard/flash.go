package dashboard

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// flash is a one-time message shown on the page a POST redirects to.
// It travels in a short-lived cookie, so it never holds a secret: a new
// license key is shown in the POST's own response instead.
type flash struct {
	Kind    string // success, error or info
	Message string
}

const flashCookie = "rollcall_flash"

func setFlash(w http.ResponseWriter, kind, msg string) {
	http.SetCookie(w, &http.Cookie{
		Name:     flashCookie,
		Value:    kind + "." + base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path:     "/",
		MaxAge:   60,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash reads the flash message and clears it.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	kind, enc, ok := strings.Cut(c.Value, ".")
	if !ok || (kind != "success" && kind != "error" && kind != "info") {
		return nil
	}
	msg, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(msg) == 0 || len(msg) > 2000 {
		return nil
	}
	return &flash{Kind: kind, Message: string(msg)}
}

// redirect ends a POST with a flash message and a 303 to a GET page.
func redirect(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	if msg != "" {
		setFlash(w, kind, msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
