package watch

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
)

// The access rules. The page can change the air, so it has the control
// socket's authority, and the HTTP side decides who gets it:
//
//   - Without a token the server listens on loopback only (Listen), and
//     answers only requests whose Host names a loopback address, so a web
//     page elsewhere cannot reach it through DNS rebinding.
//   - With a token, every request must carry it.
//   - A change must be a same-origin JSON POST, which browsers never send
//     on behalf of another site's page without asking (CSRF).
//   - ReadOnly refuses every change (control.ReadOnly).

// tokenCookie carries the token for the page, its event stream and its
// requests, once it was opened with ?token=.
const tokenCookie = "hwsim_medium_token"

// errNeedsToken is Listen's refusal of an address that is not loopback.
var errNeedsToken = errors.New("is not a loopback address, and without a token anyone who reaches it could change the air: give --http-token, or listen on 127.0.0.1")

// IsLoopback reports whether addr (host:port) names only loopback: an IP
// in 127.0.0.0/8 or ::1, or localhost. An empty host (":8080") means
// every interface and is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return loopbackName(host)
}

func loopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listen listens on addr (host:port) for Serve. An address that is not
// loopback is refused unless token is set.
func Listen(addr, token string) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("watch: %q is not host:port (e.g. 127.0.0.1:8080): %w", addr, err)
	}
	if !IsLoopback(addr) && token == "" {
		return nil, fmt.Errorf("watch: %s %w", addr, errNeedsToken)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("watch: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// NewToken returns a random token: 128 bits, hex.
func NewToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("watch: generating a token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// guard applies the access rules and the headers every answer carries.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// The token may be in the page's address: it must not leak to
		// others, nor may another site frame the page to drag radios.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("Cache-Control", "no-store")
		if s.cfg.Token == "" {
			if host, _, err := net.SplitHostPort(r.Host); (err != nil || !loopbackName(host)) && !loopbackName(r.Host) {
				s.log.Warn("refused an http request for a host that is not loopback", "host", r.Host, "remote", r.RemoteAddr)
				http.Error(w, "forbidden: this medium's web view answers only for loopback addresses (127.0.0.1, ::1, localhost); start hwsim-medium with --http-token to serve other names", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if s.tokenOK(r) {
			next.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query().Get("token"); q != "" && r.URL.Path == "/" && s.equalToken(q) {
			// The page keeps the token as a cookie, which its event
			// stream and requests carry, and drops it from the address.
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.cfg.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		s.log.Debug("refused an http request without the token", "path", r.URL.Path, "remote", r.RemoteAddr)
		h.Set("WWW-Authenticate", `Bearer realm="hwsim-medium"`)
		http.Error(w, "unauthorized: this medium's web view needs its token: open the address hwsim-medium printed at start (/?token=...), or send 'Authorization: Bearer TOKEN'", http.StatusUnauthorized)
	})
}

// tokenOK reports whether r carries the token, as a bearer token or the
// page's cookie.
func (s *Server) tokenOK(r *http.Request) bool {
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.equalToken(strings.TrimSpace(auth)) {
		return true
	}
	c, err := r.Cookie(tokenCookie)
	return err == nil && s.equalToken(c.Value)
}

func (s *Server) equalToken(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s.cfg.Token)) == 1
}

// sameOriginJSON reports why r is not a change the page itself sent: a
// JSON body, from this origin. Browsers send a cross-site JSON POST only
// after asking (CORS preflight), which this server never grants.
func sameOriginJSON(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errors.New("a change must be sent as Content-Type: application/json")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		return fmt.Errorf("a change from origin %s is refused: only this page may send changes", o)
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fmt.Errorf("a change from a %s request is refused: only this page may send changes", site)
	}
	return nil
}
