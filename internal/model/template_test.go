package model

import (
	"reflect"
	"strings"
	"testing"
)

func TestValidateTemplateName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // part of the message; "" for valid
	}{
		{name: "plain", in: "portrait-style"},
		{name: "one char", in: "a"},
		{name: "32 chars", in: strings.Repeat("x", 32)},
		{name: "32 runes of 3 bytes", in: strings.Repeat("é", 32)},
		{name: "inner space", in: "my style"},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "spaces", in: "   ", wantErr: "empty"},
		{name: "33 chars", in: strings.Repeat("x", 33), wantErr: "longer than 32"},
		{name: "newline", in: "a\nb", wantErr: "control character"},
		{name: "nul", in: "a\x00", wantErr: "control character"},
		{name: "bad utf8", in: "a\xff", wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTemplateName(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateTemplateName(%q) = %v", tt.in, err)
				}
				return
			}
			if ErrorCodeOf(err) != CodeInvalid || !strings.Contains(ErrorMessageOf(err), tt.wantErr) {
				t.Fatalf("ValidateTemplateName(%q) = %v, want an invalid error mentioning %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestTemplateAsParams(t *testing.T) {
	tpl := Template{Prompt: "cinematic", Negative: "blurry", Params: Params{Steps: Ptr(30), Prompt: "ignored"}}
	want := Params{Prompt: "cinematic", Negative: "blurry", Steps: Ptr(30)}
	if got := tpl.AsParams(); !reflect.DeepEqual(got, want) {
		t.Errorf("AsParams = %+v, want %+v", got, want)
	}
}

func TestTemplateKey(t *testing.T) {
	if TemplateKey("Portrait") != TemplateKey("PORTRAIT") || TemplateKey("Ümlaut") != "ümlaut" {
		t.Error("TemplateKey does not fold case")
	}
}
