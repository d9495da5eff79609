package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// The frontend's save format, as far as conversion needs it. Schema 0.4 stores links as
// arrays, schema 1 and subgraph definitions as objects; ids are numbers, or strings in some
// tools' output.

// Ids of a subgraph's input and output pseudo-nodes in its links (litegraph's
// SUBGRAPH_INPUT_ID and SUBGRAPH_OUTPUT_ID).
const (
	subgraphInputID  = "-10"
	subgraphOutputID = "-20"
)

type uiGraph struct {
	nodes []*uiNode // file order, which is the frontend's order for notes
	byID  map[string]*uiNode
	links map[int]uiLink
	// subgraph definitions by id; set on the root graph and shared by all levels
	subgraphs map[string]*uiSubgraph
}

type uiSubgraph struct {
	id, name string
	graph    *uiGraph
	outputs  []uiSubgraphOutput
}

type uiSubgraphOutput struct {
	LinkIDs []int `json:"linkIds"`
}

type uiNode struct {
	id      string
	Type    string          `json:"type"`
	Title   string          `json:"title"`
	Mode    int             `json:"mode"`
	Inputs  []uiInput       `json:"inputs"`
	Outputs []uiOutput      `json:"outputs"`
	Values  json.RawMessage `json:"widgets_values"`
}

type uiInput struct {
	Name   string   `json:"name"`
	Type   slotType `json:"type"`
	Link   *int     `json:"link"`
	Widget *struct {
		Name string `json:"name"`
	} `json:"widget"`
}

type uiOutput struct {
	Name  string   `json:"name"`
	Type  slotType `json:"type"`
	Links []int    `json:"links"`
}

type uiLink struct {
	origin     string
	originSlot int
	target     string
	targetSlot int
}

// slotType is a slot's type: a string such as "MODEL", "*" or "INT,FLOAT", or a number for
// litegraph's event slots, kept as its text.
type slotType string

func (t *slotType) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = slotType(s)
		return nil
	}
	*t = slotType(bytes.TrimSpace(b))
	return nil
}

// rawGraph is one graph level as stored: the root file or a subgraph definition.
type rawGraph struct {
	Nodes       []json.RawMessage `json:"nodes"`
	Links       []json.RawMessage `json:"links"`
	Definitions struct {
		Subgraphs []json.RawMessage `json:"subgraphs"`
	} `json:"definitions"`
}

type rawSubgraph struct {
	rawGraph
	ID      string             `json:"id"`
	Name    string             `json:"name"`
	Outputs []uiSubgraphOutput `json:"outputs"`
}

// decodeUI reads a UI-format file into its root graph, subgraph definitions included.
func decodeUI(data []byte) (*uiGraph, error) {
	if _, err := decodeObject(data); err != nil {
		return nil, err
	}
	var raw rawGraph
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, notUI(err)
	}
	root, err := decodeGraph(raw)
	if err != nil {
		return nil, err
	}
	root.subgraphs = map[string]*uiSubgraph{}
	for i, def := range raw.Definitions.Subgraphs {
		sg, err := decodeSubgraph(def)
		if err != nil {
			return nil, fmt.Errorf("subgraph definition %d: %w", i, err)
		}
		sg.graph.subgraphs = root.subgraphs
		root.subgraphs[sg.id] = sg
	}
	return root, nil
}

func decodeSubgraph(data json.RawMessage) (*uiSubgraph, error) {
	var raw rawSubgraph
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, notUI(err)
	}
	if raw.ID == "" {
		return nil, &Error{Code: CodeNotWorkflow, Message: "a subgraph definition has no id"}
	}
	g, err := decodeGraph(raw.rawGraph)
	if err != nil {
		return nil, err
	}
	return &uiSubgraph{id: raw.ID, name: raw.Name, graph: g, outputs: raw.Outputs}, nil
}

func decodeGraph(raw rawGraph) (*uiGraph, error) {
	g := &uiGraph{byID: map[string]*uiNode{}, links: map[int]uiLink{}}
	for _, r := range raw.Nodes {
		n, err := decodeNode(r)
		if err != nil {
			return nil, err
		}
		if _, dup := g.byID[n.id]; dup {
			return nil, &Error{Code: CodeBadNode, Node: n.id, Message: "two nodes have this id"}
		}
		g.nodes = append(g.nodes, n)
		g.byID[n.id] = n
	}
	for _, r := range raw.Links {
		if bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
			continue // the frontend leaves nulls where links were deleted
		}
		id, l, err := decodeLink(r)
		if err != nil {
			return nil, err
		}
		g.links[id] = l
	}
	return g, nil
}

func decodeNode(raw json.RawMessage) (*uiNode, error) {
	var n uiNode
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, notUI(err)
	}
	var head struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.Unmarshal(raw, &head) // raw decoded as an object just above
	id, ok := idText(head.ID)
	if !ok {
		return nil, &Error{Code: CodeNotWorkflow, Message: "a node has no id"}
	}
	n.id = id
	if n.Type == "" {
		return nil, &Error{Code: CodeBadNode, Node: id, Message: "has no type (node class)"}
	}
	return &n, nil
}

// decodeLink reads [id, origin, origin slot, target, target slot, type] or its object form.
func decodeLink(raw json.RawMessage) (int, uiLink, error) {
	bad := &Error{Code: CodeBadLink, Message: "a link is not [id, origin id, origin slot, target id, target slot, type]"}
	var fields []json.RawMessage
	if json.Unmarshal(raw, &fields) == nil {
		if len(fields) < 5 {
			return 0, uiLink{}, bad
		}
		return linkParts(fields[0], fields[1], fields[2], fields[3], fields[4], bad)
	}
	var obj struct {
		ID         json.RawMessage `json:"id"`
		Origin     json.RawMessage `json:"origin_id"`
		OriginSlot json.RawMessage `json:"origin_slot"`
		Target     json.RawMessage `json:"target_id"`
		TargetSlot json.RawMessage `json:"target_slot"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return 0, uiLink{}, bad
	}
	return linkParts(obj.ID, obj.Origin, obj.OriginSlot, obj.Target, obj.TargetSlot, bad)
}

func linkParts(id, origin, originSlot, target, targetSlot json.RawMessage, bad error) (int, uiLink, error) {
	var l uiLink
	var ok [5]bool
	var lid int
	lid, ok[0] = intText(id)
	l.origin, ok[1] = idText(origin)
	l.originSlot, ok[2] = intText(originSlot)
	l.target, ok[3] = idText(target)
	l.targetSlot, ok[4] = intText(targetSlot)
	for _, good := range ok {
		if !good {
			return 0, uiLink{}, bad
		}
	}
	return lid, l, nil
}

// idText reads a node id: a JSON integer or a non-empty string.
func idText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, s != ""
	}
	n, ok := intText(raw)
	return strconv.Itoa(n), ok
}

func intText(raw json.RawMessage) (int, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		if f, ferr := n.Float64(); ferr == nil && f == float64(int(f)) {
			return int(f), true // 3.0, as some tools write
		}
		return 0, false
	}
	return i, true
}

func notUI(err error) error {
	return &Error{Code: CodeNotWorkflow, Err: err,
		Message: "the file has a nodes list but is not a readable UI-format workflow: " + err.Error()}
}

// input returns the node's input slot i.
func (n *uiNode) input(i int) (uiInput, bool) {
	if i < 0 || i >= len(n.Inputs) {
		return uiInput{}, false
	}
	return n.Inputs[i], true
}
