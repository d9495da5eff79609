package workflow

// What the tracer knows of a node's types comes from the server's /object_info when it has
// one; without it, or for a class the server lacks, every answer is "unknown" and the
// tracer goes by input names alone.

// class returns n's class from the catalogue, when it is fully known.
func (t *tracer) class(n *Node) (Class, bool) {
	if t.info == nil {
		return Class{}, false
	}
	c, ok := t.info[n.Class]
	if !ok || c.partial {
		return Class{}, false
	}
	return c, true
}

// inputType is the declared type of n.name: INT, STRING, CONDITIONING …; "" when unknown.
func (t *tracer) inputType(n *Node, name string) string {
	c, ok := t.class(n)
	if !ok {
		return ""
	}
	return c.Inputs[name].Type
}

// outputType is the type of the output a link comes from; "" when unknown.
func (t *tracer) outputType(l Link) string {
	n := t.node(l)
	if n == nil {
		return ""
	}
	c, ok := t.class(n)
	if !ok || l.Output >= len(c.Outputs) {
		return ""
	}
	return c.Outputs[l.Output]
}

// produces tells whether n's class is known to have an output of the given type.
func (t *tracer) produces(n *Node, typ string) bool {
	c, ok := t.class(n)
	if !ok {
		return false
	}
	for _, o := range c.Outputs {
		if o == typ {
			return true
		}
	}
	return false
}
