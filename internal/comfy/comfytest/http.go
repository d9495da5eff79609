package comfytest

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		// Every ComfyUI route also exists under /api.
		mux.HandleFunc(method+" "+path, h)
		mux.HandleFunc(method+" /api"+path, h)
	}
	handle("GET /ws", s.serveWS)
	handle("GET /prompt", s.handleGetPrompt)
	handle("POST /prompt", s.handlePostPrompt)
	handle("GET /queue", s.handleGetQueue)
	handle("POST /queue", s.handlePostQueue)
	handle("POST /interrupt", s.handleInterrupt)
	handle("POST /free", func(w http.ResponseWriter, _ *http.Request) { writeEmpty(w, http.StatusOK) })
	handle("GET /history", s.handleGetHistory)
	handle("GET /history/{id}", s.handleGetHistoryEntry)
	handle("POST /history", s.handlePostHistory)
	handle("GET /view", s.handleView)
	handle("POST /upload/image", s.handleUpload)
	handle("GET /object_info", s.handleObjectInfo)
	handle("GET /object_info/{class}", s.handleObjectInfoClass)
	handle("GET /system_stats", s.handleSystemStats)
	handle("GET /features", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, features()) })
	handle("GET /models", s.handleModelFolders)
	handle("GET /models/{folder}", s.handleModels)
	handle("GET /embeddings", s.handleEmbeddings)

	var h http.Handler = mux
	h = s.holdRequests(h)
	h = s.faults(h)
	h = s.checkOrigin(h)
	h = s.requireHeaders(h)
	if s.basePath != "" {
		h = http.StripPrefix(s.basePath, h)
	}
	return h
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// faults applies the latency and forced-failure knobs to REST calls.
func (s *Server) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.mu.Lock()
		latency := s.knobs.latency
		status := 0
		if s.knobs.failHTTP > 0 {
			s.knobs.failHTTP--
			status = s.knobs.failStatus
		}
		s.mu.Unlock()
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if status != 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(strconv.Itoa(status) + " " + http.StatusText(status) + "\n\nServer got itself in trouble"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin reproduces ComfyUI's origin middleware: a loopback server refuses a request whose
// Origin host differs from its Host header.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			o, err := url.Parse(origin)
			host, hostPort, _ := net.SplitHostPort(r.Host)
			if host == "" {
				host = r.Host
			}
			if err != nil || !sameHost(o, host, hostPort) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func sameHost(origin *url.URL, host, port string) bool {
	if !strings.EqualFold(origin.Hostname(), host) {
		return false
	}
	return origin.Port() == "" || port == "" || origin.Port() == port
}

func (s *Server) requireHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, value := range s.headers {
			if r.Header.Get(name) != value {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte("401: Unauthorized"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// Most answers fit; a history entry with its prompt takes a few kilobytes.
	b, err := appendJSON(make([]byte, 0, 4096), v)
	if err != nil {
		writeServerError(w)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeEmpty answers like aiohttp's web.Response(status=...): no body, octet-stream.
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// writeServerError is aiohttp's answer to an exception in a handler.
func writeServerError(w http.ResponseWriter) {
	const body = "500 Internal Server Error\n\nServer got itself in trouble"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(body))
}

func (s *Server) handleObjectInfo(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	if s.infoJSON == nil {
		all := make(object, 0, len(s.cat.order))
		uploads := s.uploadNamesLocked()
		for _, name := range s.cat.order {
			all = append(all, member{name, s.cat.classes[name].render(s.models, uploads)})
		}
		b, err := appendJSON(nil, all)
		if err != nil {
			s.mu.Unlock()
			writeServerError(w)
			return
		}
		s.infoJSON = b
	}
	b := s.infoJSON
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (s *Server) handleObjectInfoClass(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("class")
	cl := s.cat.classes[name]
	if cl == nil {
		writeJSON(w, http.StatusOK, object{})
		return
	}
	s.mu.Lock()
	info := cl.render(s.models, s.uploadNamesLocked())
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, object{{name, info}})
}

func (s *Server) handleSystemStats(w http.ResponseWriter, _ *http.Request) {
	const ram = 34359738368
	writeJSON(w, http.StatusOK, object{
		{"system", object{
			{"os", "posix"},
			{"ram_total", ram},
			{"ram_free", ram / 2},
			{"comfyui_version", Version},
			{"required_frontend_version", "1.27.10"},
			{"installed_templates_version", nil},
			{"required_templates_version", "0.1.95"},
			{"python_version", "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]"},
			{"pytorch_version", "2.8.0+cpu"},
			{"embedded_python", false},
			{"argv", []string{"main.py", "--cpu", "--listen", "127.0.0.1"}},
		}},
		{"devices", []any{object{
			{"name", "cpu"}, {"type", "cpu"}, {"index", nil},
			{"vram_total", ram}, {"vram_free", ram / 2},
			{"torch_vram_total", ram}, {"torch_vram_free", ram / 2},
		}}},
	})
}

func (s *Server) handleModelFolders(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, modelFolderOrder())
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	names, ok := s.models[r.PathValue("folder")]
	names = append([]string{}, names...)
	s.mu.Unlock()
	if !ok {
		writeEmpty(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, names)
}

func (s *Server) handleEmbeddings(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	names := []string{}
	for _, n := range s.models["embeddings"] {
		if i := strings.LastIndexByte(n, '.'); i > 0 {
			n = n[:i]
		}
		names = append(names, n)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, names)
}
