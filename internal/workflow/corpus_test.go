package workflow

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The corpus is real public API workflows with hand-made labels (see
// testdata/corpus/README.md). It measures the binder against what a person reading each
// graph expects, so a miss here is a binder gap, not a broken fixture.
const corpusDir = "testdata/corpus"

// corpusPassRate is the share of workflows that must be fully bound.
const corpusPassRate = 0.95

// corpusFamilyMinimums keeps the corpus covering the shapes the binder finds hardest.
var corpusFamilyMinimums = map[string]int{
	"custom_sampler": 5,
	"string_prompt":  3,
	"sdxl_dual_text": 3,
	"flux":           3,
	"video":          2,
}

// corpusLabel is one entry of labels.json. A param whose value is null must stay unbound.
type corpusLabel struct {
	File   string              `json:"file"`
	Family []string            `json:"family"`
	Params map[Param]*[]Target `json:"params"`
	Notes  string              `json:"notes"`
}

// corpusMiss is one labelled parameter the binder got wrong.
type corpusMiss struct {
	file  string
	param Param
	want  []Target
	got   []Target
	via   Via
}

func (m corpusMiss) String() string {
	return fmt.Sprintf("%s %s: want %s, got %s (via %q)", m.file, m.param,
		formatTargets(m.want), formatTargets(m.got), m.via)
}

func TestCorpus(t *testing.T) {
	labels := readCorpusLabels(t)
	checkCorpusFiles(t, labels)
	checkCorpusFamilies(t, labels)

	bound := 0
	for _, l := range labels {
		misses, err := scoreCorpusFile(l)
		if err != nil {
			t.Logf("%s: %v (counted as not bound)", l.File, err)
			continue
		}
		for _, m := range misses {
			t.Logf("miss: %s", m)
		}
		if len(misses) == 0 {
			bound++
		}
	}
	rate := float64(bound) / float64(len(labels))
	t.Logf("corpus score: %d/%d workflows fully bound (%.1f%%)", bound, len(labels), 100*rate)
	if rate < corpusPassRate {
		t.Errorf("only %d of %d corpus workflows fully bound (%.1f%%), want at least %.0f%%",
			bound, len(labels), 100*rate, 100*corpusPassRate)
	}
}

func readCorpusLabels(t *testing.T) []corpusLabel {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, "labels.json"))
	if err != nil {
		t.Fatalf("read labels: %v", err)
	}
	var labels []corpusLabel
	if err := json.Unmarshal(data, &labels); err != nil {
		t.Fatalf("decode labels: %v", err)
	}
	if len(labels) == 0 {
		t.Fatal("labels.json lists no workflows")
	}
	return labels
}

// checkCorpusFiles makes sure no workflow goes unscored and no label points nowhere.
func checkCorpusFiles(t *testing.T, labels []corpusLabel) {
	t.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	labelled := map[string]bool{}
	for _, l := range labels {
		if labelled[l.File] {
			t.Errorf("%s is labelled twice", l.File)
		}
		labelled[l.File] = true
	}
	onDisk := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || name == "labels.json" {
			continue
		}
		onDisk[name] = true
		if !labelled[name] {
			t.Errorf("%s has no label", name)
		}
	}
	for name := range labelled {
		if !onDisk[name] {
			t.Errorf("label %s has no file", name)
		}
	}
}

func checkCorpusFamilies(t *testing.T, labels []corpusLabel) {
	t.Helper()
	counts := map[string]int{}
	for _, l := range labels {
		for _, f := range l.Family {
			counts[f]++
		}
	}
	for family, min := range corpusFamilyMinimums {
		if counts[family] < min {
			t.Errorf("corpus has %d %s workflows, want at least %d", counts[family], family, min)
		}
	}
}

// scoreCorpusFile returns the labelled params the binder got wrong. An error means the
// file could not be read or parsed at all.
func scoreCorpusFile(l corpusLabel) ([]corpusMiss, error) {
	data, err := os.ReadFile(filepath.Join(corpusDir, l.File))
	if err != nil {
		return nil, err
	}
	w, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	report := Inspect(w, nil)
	var misses []corpusMiss
	for _, p := range sortedParams(l.Params) {
		var want []Target
		if l.Params[p] != nil {
			want = *l.Params[p]
		}
		var got []Target
		var via Via
		if br := report.Bindings[p]; br != nil {
			got, via = br.Targets, br.Via
		}
		if !sameTargets(want, got) {
			misses = append(misses, corpusMiss{file: l.File, param: p, want: want, got: got, via: via})
		}
	}
	return misses, nil
}

// sortedParams gives the labelled params in the product's order, so logs are stable.
func sortedParams(m map[Param]*[]Target) []Param {
	var ps []Param
	for _, p := range AllParams() {
		if _, ok := m[p]; ok {
			ps = append(ps, p)
		}
	}
	for p := range m {
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// sameTargets compares as sets: the order a binder lists targets in does not matter.
func sameTargets(want, got []Target) bool {
	return slices.Equal(targetSet(want), targetSet(got))
}

func targetSet(ts []Target) []string {
	set := make([]string, 0, len(ts))
	for _, tg := range ts {
		key := tg.Node + "." + tg.Input
		if !slices.Contains(set, key) {
			set = append(set, key)
		}
	}
	slices.Sort(set)
	return set
}

func formatTargets(ts []Target) string {
	if len(ts) == 0 {
		return "none"
	}
	return strings.Join(targetSet(ts), ",")
}
