package discordtest

import (
	"bytes"
	_ "embed" // openapi.json
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/cache"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// openapiJSON is Discord's OpenAPI description (discord/discord-api-spec,
// MIT, see openapi.LICENSE), unmodified.
//
//go:embed openapi.json
var openapiJSON []byte

const specBase = "https://discord.com/api/v10"

// spec validates requests and responses against openapi.json. One is built
// per process and shared by every Server; calls are serialised because
// libopenapi renders schemas on first use without synchronisation (the race
// detector reports concurrent validations).
type spec struct {
	mu sync.Mutex
	v  validator.Validator
}

// loadSpec builds the process's spec on first use.
var loadSpec = sync.OnceValues(func() (*spec, error) {
	pruned, err := pruneSpec(openapiJSON, specPaths())
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(pruned)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.json: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build openapi model: %w", err)
	}
	lc := &lazyCache{}
	lc.warming.Store(true)
	v := validator.NewValidatorFromV3Model(&model.Model, config.WithSchemaCache(lc))
	lc.warming.Store(false)
	return &spec{v: v}, nil
})

// lazyCache is the validator's schema cache, made to compile each schema on
// first use instead of all of them up front: warming the whole spec takes
// seconds, and minutes under the race detector.
type lazyCache struct {
	warming atomic.Bool
	m       sync.Map
}

func (c *lazyCache) Load(key uint64) (*cache.SchemaCacheEntry, bool) {
	if c.warming.Load() {
		return nil, true // "already cached": skip the eager compile
	}
	v, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	return v.(*cache.SchemaCacheEntry), true
}

func (c *lazyCache) Store(key uint64, v *cache.SchemaCacheEntry) { c.m.Store(key, v) }

func (c *lazyCache) Range(f func(uint64, *cache.SchemaCacheEntry) bool) {
	c.m.Range(func(k, v any) bool { return f(k.(uint64), v.(*cache.SchemaCacheEntry)) })
}

// pruneSpec keeps the given paths, their JSON request bodies and the
// components they reference, so the model builds quickly.
func pruneSpec(spec []byte, paths []string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("decode openapi.json: %w", err)
	}
	all, _ := doc["paths"].(map[string]any)
	kept := map[string]any{}
	for _, p := range paths {
		item, ok := all[p].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("openapi.json has no path %s", p)
		}
		for _, op := range item {
			opm, _ := op.(map[string]any)
			if rb, ok := opm["requestBody"].(map[string]any); ok {
				if content, ok := rb["content"].(map[string]any); ok {
					for mt := range content {
						if mt != "application/json" {
							delete(content, mt)
						}
					}
				}
			}
		}
		kept[p] = item
	}
	doc["paths"] = kept
	comps, _ := doc["components"].(map[string]any)
	flat := map[string]any{}
	for section, v := range comps {
		if m, ok := v.(map[string]any); ok {
			for name, def := range m {
				flat["#/components/"+section+"/"+name] = def
			}
		}
	}
	used := map[string]bool{}
	collectRefs(kept, flat, used)
	for section, v := range comps {
		m, ok := v.(map[string]any)
		if !ok || section == "securitySchemes" {
			continue
		}
		for name := range m {
			if !used["#/components/"+section+"/"+name] {
				delete(m, name)
			}
		}
	}
	return json.Marshal(doc)
}

func collectRefs(v any, defs map[string]any, used map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if ref, ok := child.(string); ok && k == "$ref" {
				if !used[ref] {
					used[ref] = true
					collectRefs(defs[ref], defs, used)
				}
				continue
			}
			collectRefs(child, defs, used)
		}
	case []any:
		for _, child := range x {
			collectRefs(child, defs, used)
		}
	}
}

// specRequest rebuilds a request as the spec describes it: Discord's URL,
// the JSON document (payload_json of multipart bodies) as body.
func specRequest(r *http.Request, body []byte) *http.Request {
	u := specBase + strings.TrimPrefix(r.URL.Path, apiPrefix)
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	rq, _ := http.NewRequest(r.Method, u, bytes.NewReader(body))
	if a := r.Header.Get("Authorization"); a != "" {
		rq.Header.Set("Authorization", a)
	}
	if body != nil {
		rq.Header.Set("Content-Type", "application/json")
	}
	return rq
}

var missingProperty = regexp.MustCompile(`missing propert(?:y|ies) '([^']+)'`)

// validateRequest checks a request against the spec. It returns the
// problems for the violation report and, for body schema failures, the
// 50035 errors Discord would answer with.
func (sp *spec) validateRequest(rq *http.Request) (problems []string, fe formErrors) {
	sp.mu.Lock()
	ok, errs := sp.v.ValidateHttpRequestSync(rq)
	sp.mu.Unlock()
	if ok {
		return nil, nil
	}
	fe = formErrors{}
	for _, e := range errs {
		problems = append(problems, describe(e))
		if e.ValidationType != helpers.RequestBodyValidation {
			continue
		}
		for _, f := range e.SchemaValidationErrors {
			path := strings.Join(f.InstancePath, ".")
			if m := missingProperty.FindStringSubmatch(f.Reason); m != nil {
				fe.add(join(path, m[1]), "BASE_TYPE_REQUIRED", "This field is required")
				continue
			}
			fe.add(path, "BASE_TYPE_INVALID", f.Reason)
		}
		if len(e.SchemaValidationErrors) == 0 {
			fe.add("", "BASE_TYPE_INVALID", e.Reason)
		}
	}
	return problems, fe
}

// validateResponse checks what the fake answered, to keep it honest.
func (sp *spec) validateResponse(rq *http.Request, status int, h http.Header, body []byte) []string {
	body = specResponseBody(status, body)
	rs := &http.Response{StatusCode: status, Header: h.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: rq}
	if rs.Header.Get("Content-Type") == "" && len(body) > 0 {
		rs.Header.Set("Content-Type", "application/json")
	}
	sp.mu.Lock()
	ok, errs := sp.v.ValidateHttpResponse(rq, rs)
	sp.mu.Unlock()
	if ok {
		return nil
	}
	var out []string
	for _, e := range errs {
		out = append(out, describe(e))
	}
	return out
}

func describe(e *valerrors.ValidationError) string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.SchemaValidationErrors {
		fmt.Fprintf(&b, "; %s", f.Reason)
		if f.FieldPath != "" {
			fmt.Fprintf(&b, " at %s", f.FieldPath)
		}
	}
	if len(e.SchemaValidationErrors) == 0 && e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	return b.String()
}

// normalizeForSpec rewrites what Discord accepts but the spec does not
// describe, so only real mistakes are reported:
//   - disgo sends attachments[].id of new uploads as a number; the spec
//     wants a snowflake string;
//   - default_member_permissions is a string in Discord's documentation
//     and in disgo; the spec's bulk-overwrite schema says integer.
func normalizeForSpec(body []byte) []byte {
	if len(body) == 0 || !bytes.Contains(body, []byte(`"attachments"`)) && !bytes.Contains(body, []byte(`"default_member_permissions"`)) {
		return body
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return body
	}
	fixAttachments := func(m map[string]any) {
		atts, _ := m["attachments"].([]any)
		for _, a := range atts {
			if am, ok := a.(map[string]any); ok {
				if n, ok := am["id"].(float64); ok {
					am["id"] = strconv.FormatInt(int64(n), 10)
				}
			}
		}
	}
	switch d := doc.(type) {
	case map[string]any:
		fixAttachments(d)
		if data, ok := d["data"].(map[string]any); ok {
			fixAttachments(data)
		}
	case []any:
		for _, c := range d {
			cm, ok := c.(map[string]any)
			if !ok {
				continue
			}
			if s, ok := cm["default_member_permissions"].(string); ok {
				if n, err := strconv.ParseUint(s, 10, 64); err == nil {
					cm["default_member_permissions"] = n
				}
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// specResponseBody drops the "errors" of error answers before checking
// them: Discord's field errors carry string codes ("BASE_TYPE_REQUIRED"),
// which the spec's ErrorDetails schema types as integers.
func specResponseBody(status int, body []byte) []byte {
	if status < 400 || !bytes.Contains(body, []byte(`"errors"`)) {
		return body
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	delete(m, "errors")
	out, _ := json.Marshal(m)
	return out
}
