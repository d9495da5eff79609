package comfytest

import "math/rand/v2"

// ComfyUI keeps a prompt's output nodes in a Python set, whose order changes from one server
// process to the next (string hashes are salted per process): the nodes of /history "outputs" and
// "meta" and the outputs_to_execute of queue items come in an order clients must not rely on. The
// fake lists them in an order drawn from its own seeded source (WithOutputOrderSeed), so tests
// cannot come to depend on one.

// WithOutputOrderSeed seeds the source that orders output nodes wherever the fake lists several
// together; one seed gives one sequence of orders. Default: a random seed, logged at start.
func WithOutputOrderSeed(seed uint64) Option {
	return func(c *config) { c.orderSeed, c.orderSeeded = seed, true }
}

func newOrderSource(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// listedOutputsLocked is the order a job's outputs_to_execute is listed in.
func (s *Server) listedOutputsLocked(outputs []string) []string {
	listed := append([]string{}, outputs...)
	s.order.Shuffle(len(listed), func(i, k int) { listed[i], listed[k] = listed[k], listed[i] })
	return listed
}

// shuffleOutputsLocked puts the nodes of a prompt's UI outputs in a fresh order, and its meta
// (written beside the outputs, node for node) in the same one.
func (s *Server) shuffleOutputsLocked(ui, meta object) (object, object) {
	ui = append(object{}, ui...)
	s.order.Shuffle(len(ui), func(i, k int) { ui[i], ui[k] = ui[k], ui[i] })
	sorted := make(object, 0, len(meta))
	for _, m := range ui {
		if v, ok := meta.get(m.Key); ok {
			sorted = append(sorted, member{m.Key, v})
		}
	}
	for _, m := range meta {
		if _, ok := ui.get(m.Key); !ok {
			sorted = append(sorted, m)
		}
	}
	return ui, sorted
}
