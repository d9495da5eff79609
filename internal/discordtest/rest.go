package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

const (
	apiPrefix      = "/api/v10"
	maxRequestBody = 512 << 20
)

// route is one REST endpoint of the fake.
type route struct {
	method string
	path   string // after /api/v10, with {wildcards} for net/http
	spec   string // the OpenAPI path it implements
	auth   bool   // needs Authorization: Bot <token>
	group  bucketGroup
	major  string // wildcard that splits the bucket
	handle func(*request) (int, any, *apiError)
}

// exemptGlobal: the global limit is per bot token, so only bot-token
// routes count; interaction callbacks and webhooks need no token.
func (rt *route) exemptGlobal() bool { return !rt.auth }

// request is what a handler gets.
type request struct {
	*http.Request
	body    requestBody
	arrived time.Time
	// held, when set, holds the answer (see HoldCreatedMessages).
	held   chan struct{}
	heldID snowflake.ID
}

// id parses a snowflake path value; Discord answers 404 for malformed ids
// in paths.
func (rq *request) id(name string) (snowflake.ID, *apiError) {
	id, err := snowflake.Parse(rq.PathValue(name))
	if err != nil {
		return 0, errNotFound()
	}
	return id, nil
}

func (s *Server) routes() []route {
	return []route{
		{method: "GET", path: "/gateway", spec: "/gateway", handle: s.getGateway},
		{method: "GET", path: "/gateway/bot", spec: "/gateway/bot", auth: true, handle: s.getGatewayBot},
		{method: "GET", path: "/users/@me", spec: "/users/@me", auth: true, handle: s.getCurrentUser},
		{method: "GET", path: "/users/{user}", spec: "/users/{user_id}", auth: true, handle: s.getUser},
		{method: "POST", path: "/users/@me/channels", spec: "/users/@me/channels", auth: true, handle: s.createDM},
		{method: "GET", path: "/applications/@me", spec: "/applications/@me", auth: true, handle: s.getApplication},
		{method: "GET", path: "/guilds/{guild}", spec: "/guilds/{guild_id}", auth: true, major: "guild", handle: s.getGuild},
		{method: "GET", path: "/guilds/{guild}/roles", spec: "/guilds/{guild_id}/roles", auth: true, major: "guild", handle: s.getRoles},
		{method: "GET", path: "/guilds/{guild}/channels", spec: "/guilds/{guild_id}/channels", auth: true, major: "guild", handle: s.getGuildChannels},
		{method: "GET", path: "/guilds/{guild}/members/{user}", spec: "/guilds/{guild_id}/members/{user_id}", auth: true, major: "guild", handle: s.getMember},
		{method: "GET", path: "/channels/{channel}", spec: "/channels/{channel_id}", auth: true, major: "channel", handle: s.getChannel},
		{method: "GET", path: "/channels/{channel}/messages", spec: "/channels/{channel_id}/messages", auth: true, major: "channel", handle: s.listMessages},
		{method: "POST", path: "/channels/{channel}/messages", spec: "/channels/{channel_id}/messages", auth: true, major: "channel", group: groupMessages, handle: s.createMessage},
		{method: "GET", path: "/channels/{channel}/messages/{message}", spec: "/channels/{channel_id}/messages/{message_id}", auth: true, major: "channel", handle: s.getMessage},
		{method: "PATCH", path: "/channels/{channel}/messages/{message}", spec: "/channels/{channel_id}/messages/{message_id}", auth: true, major: "channel", group: groupMessages, handle: s.editMessage},
		{method: "DELETE", path: "/channels/{channel}/messages/{message}", spec: "/channels/{channel_id}/messages/{message_id}", auth: true, major: "channel", group: groupMessages, handle: s.deleteMessage},
		{method: "GET", path: "/applications/{app}/commands", spec: "/applications/{application_id}/commands", auth: true, handle: s.getCommands},
		{method: "PUT", path: "/applications/{app}/commands", spec: "/applications/{application_id}/commands", auth: true, handle: s.putCommands},
		{method: "GET", path: "/applications/{app}/guilds/{guild}/commands", spec: "/applications/{application_id}/guilds/{guild_id}/commands", auth: true, major: "guild", handle: s.getCommands},
		{method: "PUT", path: "/applications/{app}/guilds/{guild}/commands", spec: "/applications/{application_id}/guilds/{guild_id}/commands", auth: true, major: "guild", handle: s.putCommands},
		{method: "POST", path: "/interactions/{interaction}/{token}/callback", spec: "/interactions/{interaction_id}/{interaction_token}/callback", major: "interaction", group: groupCallback, handle: s.callback},
		{method: "POST", path: "/webhooks/{app}/{token}", spec: "/webhooks/{webhook_id}/{webhook_token}", major: "token", group: groupWebhooks, handle: s.createFollowup},
		{method: "GET", path: "/webhooks/{app}/{token}/messages/@original", spec: "/webhooks/{webhook_id}/{webhook_token}/messages/@original", major: "token", group: groupWebhooks, handle: s.getWebhookMessage},
		{method: "PATCH", path: "/webhooks/{app}/{token}/messages/@original", spec: "/webhooks/{webhook_id}/{webhook_token}/messages/@original", major: "token", group: groupWebhooks, handle: s.editWebhookMessage},
		{method: "DELETE", path: "/webhooks/{app}/{token}/messages/@original", spec: "/webhooks/{webhook_id}/{webhook_token}/messages/@original", major: "token", group: groupWebhooks, handle: s.deleteWebhookMessage},
		{method: "GET", path: "/webhooks/{app}/{token}/messages/{message}", spec: "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", major: "token", group: groupWebhooks, handle: s.getWebhookMessage},
		{method: "PATCH", path: "/webhooks/{app}/{token}/messages/{message}", spec: "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", major: "token", group: groupWebhooks, handle: s.editWebhookMessage},
		{method: "DELETE", path: "/webhooks/{app}/{token}/messages/{message}", spec: "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", major: "token", group: groupWebhooks, handle: s.deleteWebhookMessage},
	}
}

// specPaths lists the OpenAPI paths the fake serves.
func specPaths() []string {
	seen := map[string]bool{}
	var out []string
	for _, rt := range (&Server{}).routes() {
		if !seen[rt.spec] {
			seen[rt.spec] = true
			out = append(out, rt.spec)
		}
	}
	return out
}

func (s *Server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.method+" "+apiPrefix+rt.path, s.serveRoute(&rt))
	}
	mux.HandleFunc("GET /gw", s.gw.serve)
	mux.HandleFunc("GET /attachments/{channel}/{id}/{name}", s.serveAttachment)
	mux.HandleFunc("GET /ephemeral-attachments/{channel}/{id}/{name}", s.serveAttachment)
	mux.HandleFunc("/", s.unknownRoute)
	return mux
}

func (s *Server) unknownRoute(w http.ResponseWriter, r *http.Request) {
	s.stats.requests.Add(1)
	s.violation("unknown route %s %s", r.Method, r.URL.Path)
	writeJSON(w, http.StatusNotFound, nil, errNotFound().body())
}

// serveRoute runs the pipeline Discord's edge and API run: body decoding,
// OpenAPI validation, auth, injected faults, rate limits, the handler.
func (s *Server) serveRoute(rt *route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq := &request{Request: r, arrived: s.now()}
		s.stats.requests.Add(1)
		raw, err := readBody(w, r)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.respond(w, rq, rt, http.StatusRequestEntityTooLarge, nil, errTooLarge())
			return
		}
		if err != nil {
			// The client went away mid-body (its process stopping, say):
			// Discord has nobody to answer and nothing to refuse.
			return
		}
		status, hdr, body, aerr := s.process(rt, rq, raw)
		if !s.awaitRelease(r.Context(), rq) {
			return
		}
		s.respond(w, rq, rt, status, hdr, orError(body, aerr))
	}
}

// readBody reads a request body of at most maxRequestBody bytes, in one
// allocation when its length is announced: uploads are megabytes, and
// growing a buffer to fit them would copy each several times.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxRequestBody)
	if n := r.ContentLength; n > 0 && n <= maxRequestBody {
		raw := make([]byte, n)
		_, err := io.ReadFull(body, raw)
		return raw, err
	}
	return io.ReadAll(body)
}

func orError(body any, aerr *apiError) any {
	if aerr != nil {
		return aerr
	}
	return body
}

func (s *Server) process(rt *route, rq *request, raw []byte) (int, http.Header, any, *apiError) {
	b, aerr := parseBody(rq.Header.Get("Content-Type"), raw)
	if aerr != nil {
		return aerr.status, nil, nil, aerr
	}
	rq.body = b
	if aerr := s.admit(rt, rq); aerr != nil {
		return aerr.status, nil, nil, aerr
	}
	if status, h, body, ok := s.fault(rt, rq); ok {
		return status, h, body, nil
	}
	var hdr http.Header
	if !s.opts.RateLimits.Disabled {
		h, body, limited := s.rateLimit(rt, rq)
		if limited {
			s.stats.rateLimited.Add(1)
			return http.StatusTooManyRequests, h, body, nil
		}
		hdr = h
	}
	status, body, aerr := rt.handle(rq)
	if aerr != nil {
		return aerr.status, hdr, nil, aerr
	}
	return status, hdr, body, nil
}

// admit validates the request against the spec and checks the token. A
// body the spec rejects is answered 400 50035 like Discord's, unless the
// token is wrong, which Discord answers first.
func (s *Server) admit(rt *route, rq *request) *apiError {
	if s.spec != nil {
		problems, fe := s.spec.validateRequest(specRequest(rq.Request, normalizeForSpec(rq.body.json)))
		for _, p := range problems {
			s.violation("openapi: %s %s: %s", rq.Method, rq.URL.Path, p)
		}
		if len(fe) > 0 && (!rt.auth || s.authorized(rq)) {
			e := invalidForm(fe)
			e.violation = false // reported above
			return e
		}
	}
	if rt.auth && !s.authorized(rq) {
		return errUnauthorized()
	}
	return nil
}

// fault answers with an injected 5xx or 429, if one is due.
func (s *Server) fault(rt *route, rq *request) (int, http.Header, any, bool) {
	fail, st := s.takeFault(rt, strings.TrimPrefix(rq.URL.Path, apiPrefix))
	switch {
	case fail:
		s.stats.serverErrors.Add(1)
		status, body := serverError()
		return status, nil, body, true
	case st != nil:
		s.stats.rateLimited.Add(1)
		q := quota{bucket: bucketHash(rt.method + rt.path), limit: s.opts.RateLimits.limit(rt.group).Requests, at: time.Now()}
		h, body := tooMany(q, s.opts.StormRetryAfter, st.pattern == "global")
		return http.StatusTooManyRequests, h, body, true
	}
	return 0, nil, nil, false
}

// rateLimit spends the global and the route bucket.
func (s *Server) rateLimit(rt *route, rq *request) (http.Header, obj, bool) {
	lims := s.opts.RateLimits
	bucket := bucketHash(rt.method + rt.path)
	if !rt.exemptGlobal() {
		if q, ok := s.limiter.take("global", lims.Global); !ok {
			q.bucket = bucket
			h, body := tooMany(q, q.resetAfter, true)
			return h, body, true
		}
	}
	key := rt.method + " " + rt.path
	if rt.major != "" {
		key += " " + rq.PathValue(rt.major)
	}
	q, ok := s.limiter.take(key, lims.limit(rt.group))
	q.bucket = bucket
	if !ok {
		h, body := tooMany(q, q.resetAfter, false)
		return h, body, true
	}
	h := http.Header{}
	q.set(h)
	return h, nil, false
}

func (s *Server) authorized(rq *request) bool {
	return rq.Header.Get("Authorization") == "Bot "+s.token
}

// respond writes the answer, reports violations and errors, and checks
// the answer against the spec.
func (s *Server) respond(w http.ResponseWriter, rq *request, rt *route, status int, hdr http.Header, body any) {
	if aerr, ok := body.(*apiError); ok {
		s.reportAPIError(rq, aerr)
		body = aerr.body()
	}
	var raw []byte
	if status != http.StatusNoContent && body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			s.violation("fake bug: marshal response of %s %s: %v", rq.Method, rq.URL.Path, err)
		}
	}
	writeRaw(w, status, hdr, raw)
	if s.spec != nil && s.opts.ValidateResponses && status != http.StatusTooManyRequests && status < 500 {
		for _, p := range s.spec.validateResponse(specRequest(rq.Request, nil), status, w.Header(), raw) {
			s.violation("fake bug: response to %s %s does not match the spec: %s", rq.Method, rq.URL.Path, p)
		}
	}
	s.log.Debug("rest", "method", rq.Method, "path", rq.URL.Path, "status", status)
}

func (s *Server) reportAPIError(rq *request, aerr *apiError) {
	if aerr.violation {
		s.violation("%s %s: %v", rq.Method, rq.URL.Path, aerr)
		return
	}
	s.timeline.add(Event{T: s.now(), Kind: KindError, Error: fmt.Sprintf("%s %s: %v", rq.Method, strings.TrimPrefix(rq.URL.Path, apiPrefix), aerr)})
}

func writeJSON(w http.ResponseWriter, status int, hdr http.Header, body any) {
	raw, _ := json.Marshal(body)
	writeRaw(w, status, hdr, raw)
}

func writeRaw(w http.ResponseWriter, status int, hdr http.Header, raw []byte) {
	for k, v := range hdr {
		w.Header()[k] = v
	}
	if raw != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// serveAttachment serves uploaded files at the URLs messages and command
// options give, like Discord's CDN.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := snowflake.Parse(r.PathValue("id"))
	s.mu.Lock()
	a := s.attachments[id]
	s.mu.Unlock()
	if err != nil || a == nil || a.name != r.PathValue("name") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	_, _ = w.Write(a.data)
}
