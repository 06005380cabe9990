package watch

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"time"
)

// serveState answers with one view, for scripts and curl.
func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	b, err := json.Marshal(s.snapshot())
	if err != nil {
		http.Error(w, "encoding the state: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// serveEvents streams a view every interval as server-sent events
// ("event: state"), the first at once, until the client goes or the
// server stops. The page keeps one stream open instead of polling.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		http.Error(w, "too many live views open at once; close one and reload", http.StatusServiceUnavailable)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A browser that loses the stream comes back after this long.
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		b, err := json.Marshal(s.snapshot())
		if err != nil {
			s.log.Warn("encoding the live state failed", "err", err)
			return
		}
		// A stuck client must not hold the stream forever.
		rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := w.Write(append(append([]byte("event: state\ndata: "), b...), '\n', '\n')); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}

// servePage serves the page itself.
func (s *Server) servePage(web fs.FS) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "index.html")
	}
}
