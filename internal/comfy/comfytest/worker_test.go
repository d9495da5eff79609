package comfytest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"slices"
	"sort"
	"testing"
)

// referenceSig is the cache key as it was computed before sig built its input in one buffer.
func referenceSig(ex *execution, id string, visiting map[string]bool, sigs map[string]string) string {
	if s, ok := sigs[id]; ok {
		return s
	}
	n := ex.j.g.nodes[id]
	if n == nil || visiting[id] {
		return "unresolved:" + id
	}
	visiting[id] = true
	defer delete(visiting, id)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", n.class)
	if cl := ex.s.cat.classes[n.class]; cl != nil && cl.uniqueID {
		fmt.Fprintf(h, "id=%s\x00", id)
	}
	ins := slices.Clone(n.inputs)
	sort.Slice(ins, func(a, b int) bool { return ins[a].name < ins[b].name })
	for _, in := range ins {
		if in.link != nil {
			fmt.Fprintf(h, "%s=@%s:%d\x00", in.name, referenceSig(ex, in.link.from, visiting, sigs), in.link.slot)
			continue
		}
		b, _ := json.Marshal(legacy(in.value))
		fmt.Fprintf(h, "%s=%s\x00", in.name, b)
	}
	s := hex.EncodeToString(h.Sum(nil))
	sigs[id] = s
	return s
}

func TestSigMatchesReference(t *testing.T) {
	workflow, err := os.ReadFile("../../workflow/default.json")
	if err != nil {
		t.Fatal(err)
	}
	prompts := []string{
		string(workflow),
		`{"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 24, "batch_size": 1, "color": 3368652}},
		  "2": {"class_type": "GetImageSize", "inputs": {"image": ["1", 0]}},
		  "3": {"class_type": "EmptyImage", "inputs": {"width": ["2", 0], "height": ["2", 1], "batch_size": 2, "color": 0.5}},
		  "4": {"class_type": "PreviewAny", "inputs": {"source": "<é> \"q\" \u2028", "zz": [1, "x", {"a": null}], "aa": {"k": true}}},
		  "5": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}},
		  "6": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "other": ["404", 1]}}}`,
	}
	s, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prompts {
		v, err := decodeOrdered([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		g, err := parseGraph(v)
		if err != nil {
			t.Fatal(err)
		}
		ex := &execution{s: s, j: &job{g: g}, sigs: map[string]string{}}
		want := map[string]string{}
		for _, id := range g.ids {
			if got, ref := ex.sig(id, map[string]bool{}), referenceSig(ex, id, map[string]bool{}, want); got != ref {
				t.Errorf("node %s: sig %s, want %s", id, got, ref)
			}
		}
	}
}

func TestCompareNumbersMatchesBigFloat(t *testing.T) {
	reference := func(v, bound string) int {
		a, _, errA := big.ParseFloat(v, 10, 128, big.ToNearestEven)
		b, _, errB := big.ParseFloat(bound, 10, 128, big.ToNearestEven)
		if errA != nil || errB != nil {
			return 0
		}
		return a.Cmp(b)
	}
	numbers := []string{"0", "-0", "1", "-1", "+5", "20", "10000", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "18446744073709551615", "18446744073709551616", "0.5", "7.0", "1e3", "-1e400", "1_0", "x"}
	for _, v := range numbers {
		for _, bound := range numbers {
			if got, want := compareNumbers(json.Number(v), json.Number(bound)), reference(v, bound); got != want {
				t.Errorf("compareNumbers(%s, %s) = %d, want %d", v, bound, got, want)
			}
		}
	}
	if got := compareNumbers("5", "1"); got != 0 {
		t.Errorf("a string compared as %d", got)
	}
}
