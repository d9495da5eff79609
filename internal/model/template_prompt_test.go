package model

import "testing"

func TestCombinePrompt(t *testing.T) {
	cases := []struct{ template, user, want string }{
		{"cinematic lighting, 8k", "a red fox", "a red fox, cinematic lighting, 8k"},
		{"portrait of {prompt}, oil painting", "a red fox", "portrait of a red fox, oil painting"},
		{"{prompt} and {prompt}", "x", "x and x"},
		{"", "a fox", "a fox"},
		{"blurry", "", "blurry"},
		{"{prompt}", "", ""},
	}
	for _, c := range cases {
		if got := CombinePrompt(c.template, c.user); got != c.want {
			t.Errorf("CombinePrompt(%q, %q) = %q, want %q", c.template, c.user, got, c.want)
		}
	}
}
