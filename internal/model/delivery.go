package model

import (
	"strings"
	"time"
)

// Delivery is where a job's images are posted.
type Delivery string

// Delivery targets. The empty Delivery means "not chosen": the next layer
// (user preference, server default, config) decides.
const (
	DeliveryChannel Delivery = "channel"
	DeliveryDM      Delivery = "dm"
)

// Valid reports whether d is a delivery target (the empty value is not).
func (d Delivery) Valid() bool { return d == DeliveryChannel || d == DeliveryDM }

// ParseDelivery reads "channel" or "dm", ignoring case and surrounding space.
func ParseDelivery(s string) (Delivery, error) {
	d := Delivery(strings.ToLower(strings.TrimSpace(s)))
	if !d.Valid() {
		return "", Errorf(CodeInvalid, "unknown delivery %q: use channel or dm", s)
	}
	return d, nil
}

// DMPolicy says who may use the bot in direct messages, where there are no
// server roles to decide.
type DMPolicy string

// DM policies. The empty DMPolicy means "not set": the configured one applies.
const (
	DMOwners     DMPolicy = "owners"     // configured bot owners only
	DMAdmins     DMPolicy = "admins"     // people who are admin in some server the bot shares
	DMGenerators DMPolicy = "generators" // people who may generate in some server the bot shares
	DMEveryone   DMPolicy = "everyone"
	DMNobody     DMPolicy = "nobody"
)

// DMPolicies lists every policy, most restrictive last.
func DMPolicies() []DMPolicy {
	return []DMPolicy{DMEveryone, DMGenerators, DMAdmins, DMOwners, DMNobody}
}

// Valid reports whether p is a defined policy (the empty value is not).
func (p DMPolicy) Valid() bool {
	for _, v := range DMPolicies() {
		if p == v {
			return true
		}
	}
	return false
}

// ParseDMPolicy reads a policy name, ignoring case and surrounding space.
func ParseDMPolicy(s string) (DMPolicy, error) {
	p := DMPolicy(strings.ToLower(strings.TrimSpace(s)))
	if !p.Valid() {
		return "", Errorf(CodeInvalid, "unknown DM policy %q: use owners, admins, generators, everyone or nobody", s)
	}
	return p, nil
}

// DeliveryRecord is one message that carried (part of) a job's results.
// A job with more images than fit in one message is delivered in parts;
// recording each part once is what keeps a restart from posting it again.
type DeliveryRecord struct {
	JobID          int64
	Part           int
	ChannelID      string
	MessageID      string
	AttachmentURLs []string
	DeliveredAt    time.Time
}
