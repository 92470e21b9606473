package fake

import (
	"net/http"
	"time"
)

// AddDeveloperKey registers an OAuth2 developer key.
func (s *Server) AddDeveloperKey(clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[clientID] = secret
}

// NewRefreshToken issues a refresh token of developer key clientID for
// user id, as the authorization-code flow would have.
func (s *Server) NewRefreshToken(clientID string, userID int64) string {
	t := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[t] = refreshGrant{clientID: clientID, userID: userID}
	return t
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// serveToken is POST /login/oauth2/token, grant_type=refresh_token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.count.token.Add(1)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "malformed request body"})
		return
	}
	clientID, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id, sec, ok := r.BasicAuth(); ok {
		clientID, secret = id, sec
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want, known := s.keys[clientID]
	switch {
	case !known:
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "unknown client"})
		return
	case want != secret:
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "invalid client"})
		return
	case r.PostForm.Get("grant_type") != "refresh_token":
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "The grant_type you requested is not currently supported"})
		return
	}
	g, ok := s.refresh[r.PostForm.Get("refresh_token")]
	if !ok || g.clientID != clientID {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "refresh_token not found"})
		return
	}
	u, ok := s.users[g.userID]
	if !ok {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "refresh_token not found"})
		return
	}
	t := randomToken()
	s.tokens[t] = &token{userID: u.ID, expires: s.now().Add(s.tokenTTL)}
	writeJSON(w, http.StatusOK, struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		User        struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"user"`
		ExpiresIn int `json:"expires_in"`
	}{AccessToken: t, TokenType: "Bearer", User: struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}{u.ID, u.Name}, ExpiresIn: int(s.tokenTTL / time.Second)})
}
