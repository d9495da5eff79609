package discordtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestModalSubmissionMirrorsLayout(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		values map[string]string
		want   string
	}{
		{
			"label",
			`{"custom_id":"/m","title":"T","components":[{"type":18,"label":"Prompt","component":{"type":4,"custom_id":"p","style":2}}]}`,
			map[string]string{"p": "a cat"},
			"[map[component:map[custom_id:p id:2 type:4 value:a cat] id:1 type:18]]",
		},
		{
			"legacy action row keeps the prefilled value",
			`{"custom_id":"/m","title":"T","components":[{"type":1,"id":7,"components":[{"type":4,"id":8,"custom_id":"p","style":1,"label":"Prompt","value":"old"}]}]}`,
			nil,
			"[map[components:[map[custom_id:p id:8 type:4 value:old]] id:7 type:1]]",
		},
		{
			"text display and select",
			`{"custom_id":"/m","title":"T","components":[{"type":10,"content":"hi"},{"type":18,"label":"Pick","component":{"type":3,"id":5,"custom_id":"s","options":[]}}]}`,
			nil,
			"[map[id:1 type:10] map[component:map[custom_id:s id:5 type:3 values:[]] id:2 type:18]]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, aerr := decodeModal([]byte(tc.json))
			if aerr != nil {
				t.Fatal(aerr)
			}
			if err := m.checkValues(tc.values); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(m.submission(tc.values)); got != tc.want {
				t.Fatalf("submission\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestModalRules(t *testing.T) {
	input := func(extra string) string {
		return `{"type":18,"label":"L","component":{"type":4,"custom_id":"p","style":1` + extra + `}}`
	}
	modal := func(title string, comps ...string) string {
		return fmt.Sprintf(`{"custom_id":"/m","title":%q,"components":[%s]}`, title, strings.Join(comps, ","))
	}
	tests := []struct {
		name string
		json string
		want string
	}{
		{"valid", modal("Edit", input(`,"max_length":4000,"value":"x"`)), ""},
		{"title over 45", modal(strings.Repeat("t", 46), input("")), "data.title"},
		{"no components", modal("T"), "data.components"},
		{"six components", modal("T", input(""), input(""), input(""), input(""), input(""), input("")), "data.components"},
		{"max_length over 4000", modal("T", input(`,"max_length":4001`)), "data.components.0.component.max_length"},
		{"value over 4000", modal("T", input(fmt.Sprintf(`,"value":%q`, strings.Repeat("v", 4001)))), "data.components.0.component.value"},
		{"label over 45", modal("T", `{"type":18,"label":"`+strings.Repeat("l", 46)+`","component":{"type":4,"custom_id":"p","style":1}}`), "data.components.0.label"},
		{"legacy row needs a label", modal("T", `{"type":1,"components":[{"type":4,"custom_id":"p","style":1}]}`), "data.components.0.components.0.label"},
		{"duplicate custom ids", modal("T", input(""), input("")), "cannot be duplicated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, aerr := decodeModal([]byte(tc.json))
			if aerr != nil {
				t.Fatal(aerr)
			}
			fe := formErrors{}
			checkModal(fe, m)
			got := strings.Join(fe.lines(""), "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("errors %q, want %q", got, tc.want)
			}
		})
	}
}

func TestModalValues(t *testing.T) {
	m, aerr := decodeModal([]byte(`{"custom_id":"/m","title":"T","components":[
		{"type":18,"label":"A","component":{"type":4,"custom_id":"a","style":1,"min_length":2,"max_length":5}},
		{"type":18,"label":"B","component":{"type":4,"custom_id":"b","style":1,"required":false}}]}`))
	if aerr != nil {
		t.Fatal(aerr)
	}
	tests := []struct {
		name   string
		values map[string]string
		err    string
	}{
		{"fine", map[string]string{"a": "abc"}, ""},
		{"required left empty", map[string]string{"b": "x"}, `"a" is required`},
		{"too short", map[string]string{"a": "x"}, "too short"},
		{"too long", map[string]string{"a": "abcdef"}, "too long"},
		{"unknown input", map[string]string{"a": "abc", "c": "x"}, `no text input "c"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := m.checkValues(tc.values)
			if tc.err == "" && err != nil || tc.err != "" && (!errors.Is(err, ErrInvalidInteraction) || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
	if s := m.summary(); len(s.Fields) != 2 || s.Fields[0].Label != "A" || !s.Fields[0].Required || s.Fields[1].Required || s.Fields[0].MaxLength != 5 {
		t.Fatalf("summary = %+v", s)
	}
}
