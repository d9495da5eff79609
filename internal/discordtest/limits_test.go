package discordtest

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckMessage(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	button := func(id string) string {
		return fmt.Sprintf(`{"type":2,"style":1,"label":"b","custom_id":%q}`, id)
	}
	row := func(children ...string) string {
		return `{"type":1,"components":[` + strings.Join(children, ",") + `]}`
	}
	tests := []struct {
		name string
		json string
		v2   bool
		want string // a line of the errors, "" for none
	}{
		{"plain content", `{"content":"hi"}`, false, ""},
		{"content at the limit", fmt.Sprintf(`{"content":%q}`, long(2000)), false, ""},
		{"content over the limit", fmt.Sprintf(`{"content":%q}`, long(2001)), false, "content: Must be 2000 or fewer in length."},
		{"content counts characters, not bytes", fmt.Sprintf(`{"content":%q}`, strings.Repeat("é", 2000)), false, ""},
		{"embed description over 4096", fmt.Sprintf(`{"embeds":[{"description":%q}]}`, long(4097)), false, "embeds.0.description"},
		{"embed field name over 256", fmt.Sprintf(`{"embeds":[{"fields":[{"name":%q,"value":"v"}]}]}`, long(257)), false, "embeds.0.fields.0.name"},
		{"embed field value over 1024", fmt.Sprintf(`{"embeds":[{"fields":[{"name":"n","value":%q}]}]}`, long(1025)), false, "embeds.0.fields.0.value"},
		{"embed field without value", `{"embeds":[{"fields":[{"name":"n"}]}]}`, false, "embeds.0.fields.0.value: This field is required"},
		{"26 embed fields", `{"embeds":[{"fields":[` + strings.TrimSuffix(strings.Repeat(`{"name":"n","value":"v"},`, 26), ",") + `]}]}`, false, "embeds.0.fields: Must be 25"},
		{"footer over 2048", fmt.Sprintf(`{"embeds":[{"footer":{"text":%q}}]}`, long(2049)), false, "embeds.0.footer.text"},
		{"author over 256", fmt.Sprintf(`{"embeds":[{"author":{"name":%q}}]}`, long(257)), false, "embeds.0.author.name"},
		{"6000 characters across embeds", fmt.Sprintf(`{"embeds":[{"description":%q},{"description":%q}]}`, long(3000), long(3001)), false, "embeds: Embed size exceeds"},
		{"5 rows of 5 buttons", `{"components":[` + fullRows(5, row, button) + `]}`, false, ""},
		{"6 rows", `{"components":[` + fullRows(6, row, button) + `]}`, false, "components: Must be 5"},
		{"6 buttons in a row", `{"components":[` + row(button("1"), button("2"), button("3"), button("4"), button("5"), button("6")) + `]}`, false, "components.0.components: Must be 5"},
		{"button outside a row", `{"components":[` + button("x") + `]}`, false, "components.0.type"},
		{"button label over 80", `{"components":[` + row(fmt.Sprintf(`{"type":2,"style":1,"label":%q,"custom_id":"x"}`, long(81))) + `]}`, false, "components.0.components.0.label"},
		{"empty custom id", `{"components":[` + row(button("")) + `]}`, false, "custom_id: Must be between 1 and 100"},
		{"button without custom id", `{"components":[` + row(`{"type":2,"style":1,"label":"b"}`) + `]}`, false, "custom_id: This field is required"},
		{"link button with url", `{"components":[` + row(`{"type":2,"style":5,"label":"b","url":"https://example.com"}`) + `]}`, false, ""},
		{"link button without url", `{"components":[` + row(`{"type":2,"style":5,"label":"b"}`) + `]}`, false, "url: This field is required"},
		{"select shares a row", `{"components":[` + row(`{"type":3,"custom_id":"s","options":[{"label":"a","value":"a"}]}`, button("b")) + `]}`, false, "exceeds the maximum width"},
		{"components v2 can nest", `{"components":[{"type":17,"components":[{"type":10,"content":"hi"},` + row(button("a")) + `]}]}`, true, ""},
		{"components v2 forbid content", `{"content":"x","components":[{"type":10,"content":"hi"}]}`, true, "content: The 'content' field cannot be used"},
		{"components v2 cap at 40", `{"components":[` + strings.TrimSuffix(strings.Repeat(`{"type":10,"content":"x"},`, 41), ",") + `]}`, true, "components: Must be 40"},
		{"duplicate custom id across v2 containers", `{"components":[{"type":17,"components":[` + row(button("a")) + `]},` + row(button("a")) + `]}`, true, "custom id cannot be duplicated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, aerr := decodeMessage([]byte(tc.json), nil, "")
			if aerr != nil {
				t.Fatalf("decode: %v", aerr)
			}
			fe := formErrors{}
			checkMessage(fe, "", p, tc.v2)
			got := strings.Join(fe.lines(""), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) || tc.want != "" && got == "" {
				t.Fatalf("errors:\n%s\nwant %q", got, tc.want)
			}
			if tc.want != "" && !strings.Contains(fmt.Sprint(map[string]any(fe)), "_errors") {
				t.Fatalf("errors object %v has no _errors", fe)
			}
		})
	}
}

// fullRows renders n action rows of five buttons with distinct ids.
func fullRows(n int, row func(...string) string, button func(string) string) string {
	rows := make([]string, n)
	for i := range rows {
		var bs []string
		for j := range 5 {
			bs = append(bs, button(fmt.Sprintf("r%db%d", i, j)))
		}
		rows[i] = row(bs...)
	}
	return strings.Join(rows, ",")
}

func TestCheckFiles(t *testing.T) {
	tests := []struct {
		name  string
		count int
		sizes []int
		code  int
	}{
		{"ten small files", 10, []int{10, 10}, 0},
		{"eleven files", 11, []int{10}, 30015},
		{"file at the limit", 1, []int{100}, 0},
		{"file over the limit", 1, []int{101}, 40005},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ups []upload
			for i, n := range tc.sizes {
				ups = append(ups, upload{index: i, data: make([]byte, n)})
			}
			got := 0
			if err := checkFiles(tc.count, ups, 100); err != nil {
				got = err.code
			}
			if got != tc.code {
				t.Fatalf("code %d, want %d", got, tc.code)
			}
		})
	}
}

func TestCheckChoices(t *testing.T) {
	many := make([]choiceJSON, 26)
	for i := range many {
		many[i] = choiceJSON{Name: "n", Value: "v"}
	}
	tests := []struct {
		name    string
		choices []choiceJSON
		want    string
	}{
		{"fine", []choiceJSON{{Name: "a", Value: "a"}, {Name: "b", Value: 2.0}}, ""},
		{"26 choices", many, "data.choices: Must be 25"},
		{"empty name", []choiceJSON{{Name: "", Value: "a"}}, "data.choices.0.name"},
		{"value over 100", []choiceJSON{{Name: "a", Value: strings.Repeat("v", 101)}}, "data.choices.0.value"},
		{"missing value", []choiceJSON{{Name: "a"}}, "data.choices.0.value: This field is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fe := formErrors{}
			checkChoices(fe, tc.choices)
			got := strings.Join(fe.lines(""), "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("errors %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFormErrorsNest(t *testing.T) {
	fe := formErrors{}
	fe.add("embeds.0.fields.1.value", "BASE_TYPE_REQUIRED", "This field is required")
	fe.add("embeds.0.title", "BASE_TYPE_MAX_LENGTH", "too long")
	fe.add("", "ROOT", "root")
	body := invalidForm(fe).body()
	errs := body["errors"].(map[string]any)
	value := errs["embeds"].(map[string]any)["0"].(map[string]any)["fields"].(map[string]any)["1"].(map[string]any)["value"].(map[string]any)
	if e := value["_errors"].([]any)[0].(map[string]any); e["code"] != "BASE_TYPE_REQUIRED" {
		t.Fatalf("nested error = %v", e)
	}
	if len(errs["_errors"].([]any)) != 1 || body["code"] != 50035 || body["message"] != "Invalid Form Body" {
		t.Fatalf("body = %v", body)
	}
}
