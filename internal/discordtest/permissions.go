package discordtest

import "strconv"

// Permissions is Discord's permission bit set.
type Permissions uint64

// The permission bits the fake looks at; the rest pass through untouched.
const (
	PermCreateInstantInvite    Permissions = 1 << 0
	PermKickMembers            Permissions = 1 << 1
	PermBanMembers             Permissions = 1 << 2
	PermAdministrator          Permissions = 1 << 3
	PermManageChannels         Permissions = 1 << 4
	PermManageGuild            Permissions = 1 << 5
	PermAddReactions           Permissions = 1 << 6
	PermViewChannel            Permissions = 1 << 10
	PermSendMessages           Permissions = 1 << 11
	PermManageMessages         Permissions = 1 << 13
	PermEmbedLinks             Permissions = 1 << 14
	PermAttachFiles            Permissions = 1 << 15
	PermReadMessageHistory     Permissions = 1 << 16
	PermMentionEveryone        Permissions = 1 << 17
	PermUseExternalEmojis      Permissions = 1 << 18
	PermManageRoles            Permissions = 1 << 28
	PermUseApplicationCommands Permissions = 1 << 31
	PermSendMessagesInThreads  Permissions = 1 << 38

	// PermAll is every permission bit Discord currently defines.
	PermAll Permissions = 1<<53 - 1

	// PermEveryoneDefault is what @everyone gets in a new server.
	PermEveryoneDefault = PermCreateInstantInvite | PermAddReactions | PermViewChannel |
		PermSendMessages | PermEmbedLinks | PermAttachFiles | PermReadMessageHistory |
		PermMentionEveryone | PermUseExternalEmojis | PermUseApplicationCommands |
		PermSendMessagesInThreads

	// PermBotDefault is what the fake's bot role gets unless changed.
	PermBotDefault = PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
		PermReadMessageHistory | PermAddReactions | PermUseExternalEmojis |
		PermUseApplicationCommands | PermSendMessagesInThreads

	// permDM is what Discord reports as app_permissions in a bot DM.
	permDM = PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
		PermReadMessageHistory | PermAddReactions | PermUseExternalEmojis |
		PermUseApplicationCommands
)

// Has reports whether all bits of q are set, Administrator implying all.
func (p Permissions) Has(q Permissions) bool {
	return p&PermAdministrator != 0 || p&q == q
}

// String is the decimal string Discord sends.
func (p Permissions) String() string { return strconv.FormatUint(uint64(p), 10) }
