package model

import "testing"

func TestParseDelivery(t *testing.T) {
	tests := []struct {
		in      string
		want    Delivery
		wantErr bool
	}{
		{in: "channel", want: DeliveryChannel},
		{in: "DM", want: DeliveryDM},
		{in: " dm\n", want: DeliveryDM},
		{in: "", wantErr: true},
		{in: "email", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDelivery(tt.in)
			if tt.wantErr {
				if ErrorCodeOf(err) != CodeInvalid {
					t.Fatalf("error = %v, want invalid", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDelivery(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDMPolicy(t *testing.T) {
	for _, p := range DMPolicies() {
		t.Run(string(p), func(t *testing.T) {
			got, err := ParseDMPolicy(string(p))
			if err != nil || got != p {
				t.Errorf("ParseDMPolicy(%q) = %q, %v", p, got, err)
			}
		})
	}
	for _, bad := range []string{"", "mods"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := ParseDMPolicy(bad); ErrorCodeOf(err) != CodeInvalid {
				t.Errorf("error = %v, want invalid", err)
			}
		})
	}
}
