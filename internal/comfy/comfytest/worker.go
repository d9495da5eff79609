package comfytest

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cacheEntry is a node result kept between prompts, like ComfyUI's classic output cache.
type cacheEntry struct {
	outputs []any
	ui      object
}

// execution is the run of one job, following ComfyUI's execution.py: an execution list seeded
// with the output nodes, nodes picked when their inputs are ready, cached nodes skipped.
type execution struct {
	s *Server
	j *job

	sigs       map[string]string
	cached     map[string]bool
	values     map[string][]any
	ui, meta   object
	executed   []string
	states     object // node id -> progress_state entry, in start order
	messages   []any  // history status messages
	unit       time.Duration
	failFirst  bool
	failClass  string
	knobs      knobs
	pending    []string
	inPending  map[string]bool
	blockCount map[string]int
	blocking   map[string][]string
}

type runtimeError struct {
	typ string
	msg string
}

func (e *runtimeError) Error() string { return e.typ + ": " + e.msg }

type interruptedError struct{}

func (interruptedError) Error() string { return "interrupted" }

func nowMS() int64 { return time.Now().UnixMilli() }

func (s *Server) work() {
	for {
		j, ctx, ok := s.take()
		if !ok {
			return
		}
		s.run(ctx, j)
	}
}

// take waits for the next prompt and marks it running; the queue status is broadcast as ComfyUI
// does when its worker gets an item.
func (s *Server) take() (*job, context.Context, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.st.pending) == 0 {
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-s.ctx.Done():
			s.mu.Lock()
			return nil, nil, false
		}
		s.mu.Lock()
	}
	j := heap.Pop(&s.st.pending).(*job)
	ctx, cancel := context.WithCancel(s.ctx)
	s.st.running = j
	s.st.jobCancel = cancel
	s.broadcastStatusLocked()
	s.changedLocked()
	return j, ctx, true
}

func (s *Server) run(ctx context.Context, j *job) {
	if !s.checkpoint(ctx, j, StageTaken, "") {
		return
	}
	ex := s.start(j)
	if ex == nil {
		return
	}
	for {
		id, done, err := ex.next()
		if done {
			break
		}
		if err != nil {
			ex.fail(id, err, nil)
			return
		}
		if !ex.runNode(ctx, id) {
			return
		}
	}
	if !s.checkpoint(ctx, j, StageDone, "") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.running != j {
		return
	}
	ex.record("execution_success", object{{"prompt_id", j.id}, {"timestamp", nowMS()}}, toClient)
	ex.finishLocked(true)
}

// start sends execution_start and execution_cached and prepares the execution list.
func (s *Server) start(j *job) *execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.running != j {
		return nil
	}
	s.st.interrupt = false
	ex := &execution{s: s, j: j, sigs: map[string]string{}, cached: map[string]bool{}, values: map[string][]any{},
		ui: object{}, meta: object{}, states: object{}, inPending: map[string]bool{}, blockCount: map[string]int{},
		blocking: map[string][]string{}, failFirst: s.knobs.failNext, failClass: s.knobs.failClass, knobs: s.knobs}
	s.knobs.failNext = false
	visiting := map[string]bool{}
	for _, id := range j.g.ids {
		ex.sig(id, visiting)
	}
	// The classic cache keeps only what the current prompt can use.
	keep := map[string]*cacheEntry{}
	var cachedIDs []string
	for _, id := range j.g.ids {
		if e := s.st.cache[ex.sigs[id]]; e != nil {
			keep[ex.sigs[id]] = e
			ex.cached[id] = true
			cachedIDs = append(cachedIDs, id)
		}
	}
	s.st.cache = keep
	ex.record("execution_start", object{{"prompt_id", j.id}, {"timestamp", nowMS()}}, toClient)
	if cachedIDs == nil {
		cachedIDs = []string{}
	}
	ex.record("execution_cached", object{{"nodes", cachedIDs}, {"prompt_id", j.id}, {"timestamp", nowMS()}}, toClient)
	for _, o := range j.outputs {
		ex.addNode(o)
	}
	units := 0
	for _, id := range ex.pending {
		if !ex.cached[id] {
			units += 1 + ex.progressSteps(j.g.nodes[id])
		}
	}
	if units > 0 {
		ex.unit = s.knobs.jobDuration / time.Duration(units)
	}
	return ex
}

// record sends a message that ComfyUI also stores in the history status.
func (ex *execution) record(typ string, data object, r route) {
	ex.messages = append(ex.messages, []any{typ, data})
	ex.s.emitLocked(ex.j.clientID, r, typ, data)
}

// sig is the cache key of a node: its class and inputs, with links replaced by the key of the
// node they come from.
func (ex *execution) sig(id string, visiting map[string]bool) string {
	if s, ok := ex.sigs[id]; ok {
		return s
	}
	n := ex.j.g.nodes[id]
	if n == nil || visiting[id] {
		return "unresolved:" + id
	}
	visiting[id] = true
	defer delete(visiting, id)
	sum := sha256.Sum256(ex.sigInput(n, visiting))
	s := hex.EncodeToString(sum[:])
	ex.sigs[id] = s
	return s
}

// sigInput is what a node's cache key hashes: "class\x00", then "name=value\x00" per input in
// name order, a link written as "name=@key:slot".
func (ex *execution) sigInput(n *node, visiting map[string]bool) []byte {
	b := append([]byte(n.class), 0)
	if cl := ex.s.cat.classes[n.class]; cl != nil && cl.uniqueID {
		b = append(append(append(b, "id="...), n.id...), 0)
	}
	if _, ok := inputFiles[n.class]; ok {
		// Their IS_CHANGED hashes the file (LoadVideo's takes its mtime): a file uploaded anew
		// under the same name runs them again.
		for _, in := range n.inputs {
			if spec := ex.s.cat.classes[n.class].input(in.name); spec != nil && spec.folder == inputFolder && in.link == nil {
				version := uint64(0)
				if f := ex.s.inputFileLocked(pyStr(in.value)); f != nil {
					version = f.version
				}
				b = append(strconv.AppendUint(append(b, "file="...), version, 10), 0)
			}
		}
	}
	if n.class == "SaveImageWebsocket" {
		// Its IS_CHANGED returns the time: it never comes from the cache.
		b = append(strconv.AppendUint(append(b, "nonce="...), rand.Uint64(), 10), 0)
	}
	ins := slices.Clone(n.inputs)
	slices.SortFunc(ins, func(x, y *input) int { return strings.Compare(x.name, y.name) })
	for _, in := range ins {
		b = append(append(b, in.name...), '=')
		if in.link != nil {
			b = append(append(b, '@'), ex.sig(in.link.from, visiting)...)
			b = strconv.AppendInt(append(b, ':'), int64(in.link.slot), 10)
		} else if v, err := appendJSON(b, in.value); err == nil {
			b = v
		}
		b = append(b, 0)
	}
	return b
}

// addNode adds a node and its uncached dependencies, like ExecutionList.add_node.
func (ex *execution) addNode(start string) {
	stack := []string{start}
	var links [][2]string
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if ex.inPending[id] {
			continue
		}
		ex.pending = append(ex.pending, id)
		ex.inPending[id] = true
		ex.blockCount[id] = 0
		if ex.cached[id] {
			continue
		}
		for _, in := range ex.j.g.nodes[id].inputs {
			if in.link == nil {
				continue
			}
			if !ex.cached[in.link.from] {
				stack = append(stack, in.link.from)
			}
			links = append(links, [2]string{in.link.from, id})
		}
	}
	for _, l := range links {
		from, to := l[0], l[1]
		if ex.cached[from] || slices.Contains(ex.blocking[from], to) {
			continue
		}
		ex.blocking[from] = append(ex.blocking[from], to)
		ex.blockCount[to]++
	}
}

// next picks the node to run: an output node first, then a node feeding an output, then one two
// steps before an output, else the first ready node (ux_friendly_pick_node).
func (ex *execution) next() (string, bool, error) {
	if len(ex.pending) == 0 {
		return "", true, nil
	}
	var ready []string
	for _, id := range ex.pending {
		if ex.blockCount[id] == 0 {
			ready = append(ready, id)
		}
	}
	if len(ready) == 0 {
		return ex.pending[0], false, &runtimeError{typ: "graph.DependencyCycleError", msg: "Dependency cycle detected"}
	}
	isOutput := func(id string) bool { return ex.s.cat.classes[ex.j.g.nodes[id].class].outputNode }
	for _, id := range ready {
		if isOutput(id) {
			return id, false, nil
		}
	}
	for _, id := range ready {
		if slices.ContainsFunc(ex.blocking[id], isOutput) {
			return id, false, nil
		}
	}
	for _, id := range ready {
		for _, b := range ex.blocking[id] {
			if slices.ContainsFunc(ex.blocking[b], isOutput) {
				return id, false, nil
			}
		}
	}
	return ready[0], false, nil
}

func (ex *execution) pop(id string) {
	ex.pending = slices.DeleteFunc(ex.pending, func(p string) bool { return p == id })
	delete(ex.inPending, id)
	for _, b := range ex.blocking[id] {
		ex.blockCount[b]--
	}
	delete(ex.blocking, id)
}

// setStateLocked updates a node's progress state and sends progress_state with every node
// started so far.
func (ex *execution) setStateLocked(id, state string, value, maxValue float64) {
	// Encoded once: every later progress_state of the prompt repeats the entry.
	entry, err := ex.s.encodeLocked(func(b []byte) ([]byte, error) {
		return appendStateEntry(b, id, state, ex.j.id, value, maxValue)
	})
	if err == nil {
		ex.states.set(id, rawJSON(entry))
	} else {
		// A value that is not a number fails every message that carries the entry.
		ex.states.set(id, stateEntry(id, state, ex.j.id, value, maxValue))
	}
	ex.s.emitLocked(ex.j.clientID, toClientOrAll, "progress_state", object{{"prompt_id", ex.j.id}, {"nodes", ex.states}})
}

// stateEntry is a node's entry in progress_state.
func stateEntry(id, state, promptID string, value, maxValue float64) object {
	return object{{"value", value}, {"max", maxValue}, {"state", state}, {"node_id", id}, {"prompt_id", promptID},
		{"display_node_id", id}, {"parent_node_id", nil}, {"real_node_id", id}}
}

// appendStateEntry encodes stateEntry without building it: progress_state is the most frequent
// message, and the object would cost more allocations than the encoding itself.
func appendStateEntry(b []byte, id, state, promptID string, value, maxValue float64) ([]byte, error) {
	b = append(b, `{"value":`...)
	b, err := appendFloat(b, value)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"max":`...)
	if b, err = appendFloat(b, maxValue); err != nil {
		return nil, err
	}
	b = appendString(append(b, `,"state":`...), state)
	b = appendString(append(b, `,"node_id":`...), id)
	b = appendString(append(b, `,"prompt_id":`...), promptID)
	b = appendString(append(b, `,"display_node_id":`...), id)
	b = appendString(append(b, `,"parent_node_id":null,"real_node_id":`...), id)
	return append(b, '}'), nil
}

func (ex *execution) currentLocked() bool { return ex.s.st.running == ex.j }

// runNode executes one node and reports whether the prompt goes on.
func (ex *execution) runNode(ctx context.Context, id string) bool {
	s, j := ex.s, ex.j
	n := j.g.nodes[id]
	if ex.cached[id] {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !ex.currentLocked() {
			return false
		}
		entry := s.st.cache[ex.sigs[id]]
		var ui any
		if entry != nil {
			ex.values[id] = entry.outputs
			if entry.ui != nil {
				ui = entry.ui
				ex.addUILocked(id, entry.ui)
			}
		}
		s.emitLocked(j.clientID, toClient, "executed", object{{"node", id}, {"display_node", id}, {"output", ui}, {"prompt_id", j.id}})
		ex.setStateLocked(id, "finished", 1, 1)
		ex.pop(id)
		return true
	}

	s.mu.Lock()
	if !ex.currentLocked() {
		s.mu.Unlock()
		return false
	}
	ex.setStateLocked(id, "running", 0, 1)
	s.emitLocked(j.clientID, toClient, "executing", object{{"node", id}, {"display_node", id}, {"prompt_id", j.id}})
	s.st.lastNode = id
	s.mu.Unlock()

	s.mu.Lock()
	interrupted := s.st.interrupt
	inputs := ex.resolveLocked(n)
	s.mu.Unlock()
	if interrupted {
		ex.interrupted(id)
		return false
	}
	if !s.checkpoint(ctx, j, StageNode, id) {
		return false
	}
	if !sleep(ctx, ex.unit) {
		return false
	}
	res, err := ex.exec(ctx, n, inputs)
	if ctx.Err() != nil {
		return false
	}
	switch err.(type) {
	case nil:
	case interruptedError:
		ex.interrupted(id)
		return false
	default:
		ex.fail(id, err, inputs)
		return false
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !ex.currentLocked() {
		return false
	}
	ex.values[id] = res.outputs
	if res.ui != nil {
		s.emitLocked(j.clientID, toClient, "executed", object{{"node", id}, {"display_node", id}, {"output", res.ui}, {"prompt_id", j.id}})
		ex.addUILocked(id, res.ui)
	}
	ex.setStateLocked(id, "finished", res.max, res.max)
	s.st.cache[ex.sigs[id]] = &cacheEntry{outputs: res.outputs, ui: res.ui}
	ex.executed = append(ex.executed, id)
	ex.pop(id)
	return true
}

func (ex *execution) addUILocked(id string, ui object) {
	ex.ui.set(id, ui)
	ex.meta.set(id, object{{"node_id", id}, {"display_node", id}, {"parent_node", nil}, {"real_node_id", id}})
}

// resolveLocked gathers a node's input values: literals and the outputs of linked nodes.
func (ex *execution) resolveLocked(n *node) map[string]any {
	vals := map[string]any{}
	cl := ex.s.cat.classes[n.class]
	for _, in := range n.inputs {
		if in.link == nil {
			v := in.value
			if spec := cl.input(in.name); spec != nil {
				if c, err := convert(spec.kind, v); err == nil {
					v = c
				}
			}
			vals[in.name] = v
			continue
		}
		outs, ok := ex.values[in.link.from]
		if !ok {
			if e := ex.s.st.cache[ex.sigs[in.link.from]]; e != nil {
				outs = e.outputs
			}
		}
		if in.link.slot >= 0 && in.link.slot < len(outs) {
			vals[in.name] = outs[in.link.slot]
		}
	}
	return vals
}

func (ex *execution) interrupted(id string) {
	ex.s.mu.Lock()
	defer ex.s.mu.Unlock()
	if !ex.currentLocked() {
		return
	}
	executed := append([]string{}, ex.executed...)
	ex.record("execution_interrupted", object{{"prompt_id", ex.j.id}, {"node_id", id},
		{"node_type", ex.j.g.nodes[id].class}, {"executed", executed}, {"timestamp", nowMS()}}, toClientOrAll)
	ex.finishLocked(false)
}

func (ex *execution) fail(id string, err error, inputs map[string]any) {
	ex.s.mu.Lock()
	defer ex.s.mu.Unlock()
	if !ex.currentLocked() {
		return
	}
	typ, msg := "Exception", err.Error()
	if re := (*runtimeError)(nil); errors.As(err, &re) {
		typ, msg = re.typ, re.msg
	}
	n := ex.j.g.nodes[id]
	current := object{}
	for _, in := range n.inputs {
		if v, ok := inputs[in.name]; ok {
			current = append(current, member{in.name, []any{describe(v)}})
		}
	}
	executed := append([]string{}, ex.executed...)
	ex.record("execution_error", object{
		{"prompt_id", ex.j.id}, {"node_id", id}, {"node_type", n.class}, {"executed", executed},
		{"exception_message", msg + "\n"}, {"exception_type", typ},
		{"traceback", []string{
			"  File \"/opt/ComfyUI/execution.py\", line 496, in execute\n",
			fmt.Sprintf("  File \"comfytest\", line 1, in %s\n", n.class),
		}},
		{"current_inputs", current}, {"current_outputs", slices.Clone(ex.j.g.ids)}, {"timestamp", nowMS()},
	}, toClient)
	ex.finishLocked(false)
}

// finishLocked writes history, then tells everyone the queue changed and the client that the
// prompt is over, in ComfyUI's order.
func (ex *execution) finishLocked(ok bool) {
	s, j := ex.s, ex.j
	outputs, meta := s.shuffleOutputsLocked(ex.ui, ex.meta)
	s.addHistoryLocked(&historyEntry{j: j, outputs: outputs, meta: meta, statusOK: ok, messages: ex.messages})
	s.st.running = nil
	s.st.lastNode = ""
	if s.st.jobCancel != nil {
		s.st.jobCancel()
		s.st.jobCancel = nil
	}
	s.broadcastStatusLocked()
	s.emitLocked(j.clientID, toClient, "executing", object{{"node", nil}, {"prompt_id", j.id}})
	s.changedLocked()
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
