package bot

import (
	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// CommandLimits are the bounds the command options advertise to Discord's
// client; handlers check them again, since option bounds are advisory.
type CommandLimits struct {
	MaxPromptLength int
	MaxSteps        int
	MaxWidth        int
	MaxHeight       int
	MaxBatch        int
	MaxCFG          float64
	MaxInputBytes   int // largest input image
	MaxInputPixels  int // most pixels of an input image
}

// maxTypedSeed is the largest seed a user can type: Discord's integer
// options stop at 2^53, so the bot draws its random seeds below it too.
const maxTypedSeed = 1<<53 - 1

// Commands is the whole command tree the bot registers.
func Commands(l CommandLimits) []discord.ApplicationCommandCreate {
	return []discord.ApplicationCommandCreate{
		generateCommand(l),
		queueCommand(),
		templateCommand(l),
		historyCommand(l),
		preferencesCommand(),
		adminCommand(),
		discord.SlashCommandCreate{Name: "help", Description: "What the bot does and the commands you may use", Contexts: contexts, IntegrationTypes: installs},
		fromImageCommand(),
	}
}

var (
	contexts = []discord.InteractionContextType{discord.InteractionContextTypeGuild, discord.InteractionContextTypeBotDM}
	installs = []discord.ApplicationIntegrationType{discord.ApplicationIntegrationTypeGuildInstall}
)

func ptr[T any](v T) *T { return &v }

func deliveryOption(desc string) discord.ApplicationCommandOption {
	return discord.ApplicationCommandOptionString{Name: "delivery", Description: desc, Choices: []discord.ApplicationCommandOptionChoiceString{
		{Name: "channel", Value: "channel"}, {Name: "dm", Value: "dm"},
	}}
}

func jobIDOption(desc string) discord.ApplicationCommandOption {
	return discord.ApplicationCommandOptionInt{Name: "id", Description: desc, Required: true, MinValue: ptr(1)}
}

func promptOption(name, desc string, required bool, l CommandLimits) discord.ApplicationCommandOption {
	return discord.ApplicationCommandOptionString{Name: name, Description: desc, Required: required, MinLength: ptr(1), MaxLength: ptr(min(l.MaxPromptLength, 6000))}
}

// paramOptions are the generation parameters /generate and /template save share.
func paramOptions(l CommandLimits) []discord.ApplicationCommandOption {
	return []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionInt{Name: "steps", Description: "Sampler steps", MinValue: ptr(1), MaxValue: ptr(l.MaxSteps)},
		discord.ApplicationCommandOptionFloat{Name: "cfg", Description: "CFG scale (Flux workflows: the guidance)", MinValue: ptr(0.0), MaxValue: ptr(l.MaxCFG)},
		discord.ApplicationCommandOptionInt{Name: "width", Description: "Image width in pixels (multiple of 8)", MinValue: ptr(64), MaxValue: ptr(l.MaxWidth)},
		discord.ApplicationCommandOptionInt{Name: "height", Description: "Image height in pixels (multiple of 8)", MinValue: ptr(64), MaxValue: ptr(l.MaxHeight)},
	}
}

func generateCommand(l CommandLimits) discord.ApplicationCommandCreate {
	opts := []discord.ApplicationCommandOption{
		promptOption("prompt", "What to draw", true, l),
		promptOption("negative", "What to avoid", false, l),
		discord.ApplicationCommandOptionString{Name: "template", Description: "A saved template to start from", Autocomplete: true},
		discord.ApplicationCommandOptionString{Name: "workflow", Description: "Which workflow to run", Autocomplete: true},
	}
	opts = append(opts, paramOptions(l)...)
	opts = append(opts,
		discord.ApplicationCommandOptionInt{Name: "seed", Description: "Seed for a reproducible image (random if empty)", MinValue: ptr(0), MaxValue: ptr(maxTypedSeed)},
		discord.ApplicationCommandOptionInt{Name: "batch", Description: "How many images", MinValue: ptr(1), MaxValue: ptr(l.MaxBatch)},
		deliveryOption("Post the result in this channel or send it to your DMs"),
		discord.ApplicationCommandOptionAttachment{Name: "image", Description: "An image to start from (PNG, JPEG or WEBP), for workflows that take one"},
		discord.ApplicationCommandOptionAttachment{Name: "image2", Description: "A second image, for workflows that take two"},
		discord.ApplicationCommandOptionFloat{Name: "denoise", Description: "How much of the input image to repaint: 0 keeps it, 1 redraws it all", MinValue: ptr(0.0), MaxValue: ptr(1.0)},
	)
	return discord.SlashCommandCreate{Name: "generate", Description: "Generate images with ComfyUI", Options: opts, Contexts: contexts, IntegrationTypes: installs}
}

func queueCommand() discord.ApplicationCommandCreate {
	return discord.SlashCommandCreate{Name: "queue", Description: "See and manage the generation queue", Contexts: contexts, IntegrationTypes: installs, Options: []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionSubCommand{Name: "view", Description: "Your jobs and the line ahead of them"},
		discord.ApplicationCommandOptionSubCommand{Name: "status", Description: "Details of one job", Options: []discord.ApplicationCommandOption{jobIDOption("Job number")}},
		discord.ApplicationCommandOptionSubCommand{Name: "cancel", Description: "Cancel a queued or running job", Options: []discord.ApplicationCommandOption{jobIDOption("Job number")}},
		discord.ApplicationCommandOptionSubCommand{Name: "clear", Description: "Cancel your queued jobs", Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionString{Name: "scope", Description: "Whose jobs (all: admins only)", Choices: []discord.ApplicationCommandOptionChoiceString{
				{Name: "mine", Value: "mine"}, {Name: "all", Value: "all"},
			}},
		}},
	}}
}

func templateNameOption(desc string, autocomplete bool) discord.ApplicationCommandOption {
	return discord.ApplicationCommandOptionString{Name: "name", Description: desc, Required: true, MinLength: ptr(1), MaxLength: ptr(32), Autocomplete: autocomplete}
}

func templateCommand(l CommandLimits) discord.ApplicationCommandCreate {
	save := []discord.ApplicationCommandOption{
		templateNameOption("Template name (1–32 characters)", false),
		promptOption("prompt", "Prompt; {prompt} marks where the user's prompt goes", true, l),
		promptOption("negative", "Negative prompt", false, l),
	}
	save = append(save, paramOptions(l)...)
	save = append(save,
		discord.ApplicationCommandOptionString{Name: "workflow", Description: "Workflow to run", Autocomplete: true},
		discord.ApplicationCommandOptionBool{Name: "shared", Description: "Share with the whole server (generators)"},
	)
	return discord.SlashCommandCreate{Name: "template", Description: "Reusable prompt presets", Contexts: contexts, IntegrationTypes: installs, Options: []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionSubCommand{Name: "save", Description: "Save a template", Options: save},
		discord.ApplicationCommandOptionSubCommand{Name: "list", Description: "List templates", Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionString{Name: "scope", Description: "Which templates", Choices: []discord.ApplicationCommandOptionChoiceString{
				{Name: "mine", Value: "mine"}, {Name: "shared", Value: "shared"}, {Name: "all", Value: "all"},
			}},
		}},
		discord.ApplicationCommandOptionSubCommand{Name: "load", Description: "Show a template, with a button to generate from it", Options: []discord.ApplicationCommandOption{templateNameOption("Template", true)}},
		discord.ApplicationCommandOptionSubCommand{Name: "delete", Description: "Delete a template", Options: []discord.ApplicationCommandOption{templateNameOption("Template", true)}},
	}}
}

func historyCommand(l CommandLimits) discord.ApplicationCommandCreate {
	return discord.SlashCommandCreate{Name: "history", Description: "Browse, view and re-run past generations", Contexts: contexts, IntegrationTypes: installs, Options: []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionSubCommand{Name: "list", Description: "Your past jobs, newest first", Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionInt{Name: "limit", Description: "Jobs per page", MinValue: ptr(1), MaxValue: ptr(10)},
			discord.ApplicationCommandOptionString{Name: "status", Description: "Only jobs that ended so", Choices: []discord.ApplicationCommandOptionChoiceString{
				{Name: "completed", Value: "completed"}, {Name: "failed", Value: "failed"}, {Name: "cancelled", Value: "cancelled"}, {Name: "all", Value: "all"},
			}},
			discord.ApplicationCommandOptionUser{Name: "user", Description: "Another member's jobs (admins only)"},
		}},
		discord.ApplicationCommandOptionSubCommand{Name: "view", Description: "Everything about one job", Options: []discord.ApplicationCommandOption{jobIDOption("Job number")}},
		discord.ApplicationCommandOptionSubCommand{Name: "rerun", Description: "Run a past job again", Options: []discord.ApplicationCommandOption{
			jobIDOption("Job number"),
			discord.ApplicationCommandOptionInt{Name: "seed", Description: "Seed (a new random one if empty)", MinValue: ptr(0), MaxValue: ptr(maxTypedSeed)},
			deliveryOption("Where the result goes"),
			promptOption("prompt", "A different prompt", false, l),
		}},
	}}
}

func preferencesCommand() discord.ApplicationCommandCreate {
	return discord.SlashCommandCreate{Name: "preferences", Description: "Your defaults", Contexts: contexts, IntegrationTypes: installs, Options: []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionString{Name: "delivery", Description: "Where your results go by default", Required: true, Choices: []discord.ApplicationCommandOptionChoiceString{
			{Name: "channel", Value: "channel"}, {Name: "dm", Value: "dm"},
		}},
	}}
}

func adminCommand() discord.ApplicationCommandCreate {
	return discord.SlashCommandCreate{Name: "admin", Description: "Bot settings for this server (admins)", Contexts: []discord.InteractionContextType{discord.InteractionContextTypeGuild}, IntegrationTypes: installs, Options: []discord.ApplicationCommandOption{
		discord.ApplicationCommandOptionSubCommand{Name: "setroles", Description: "Map roles to the generator and admin levels", Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionRole{Name: "generator", Description: "Members with this role may generate"},
			discord.ApplicationCommandOptionRole{Name: "admin", Description: "Members with this role administer the bot"},
		}},
		discord.ApplicationCommandOptionSubCommand{Name: "roles", Description: "Show the role mappings"},
		discord.ApplicationCommandOptionSubCommand{Name: "status", Description: "Bot version, uptime, backends and queue"},
		discord.ApplicationCommandOptionSubCommand{Name: "config", Description: "Change this server's settings", Options: []discord.ApplicationCommandOption{
			discord.ApplicationCommandOptionInt{Name: "max_queue_per_user", Description: "Queued plus running jobs per member", MinValue: ptr(1), MaxValue: ptr(100)},
			discord.ApplicationCommandOptionString{Name: "default_delivery", Description: "Where results go for members who chose nothing", Choices: []discord.ApplicationCommandOptionChoiceString{
				{Name: "channel", Value: "channel"}, {Name: "dm", Value: "dm"},
			}},
			discord.ApplicationCommandOptionString{Name: "default_workflow", Description: "Workflow used when none is chosen", Autocomplete: true},
			discord.ApplicationCommandOptionChannel{Name: "channel", Description: "Default channel for results", ChannelTypes: []discord.ChannelType{discord.ChannelTypeGuildText}},
			discord.ApplicationCommandOptionString{Name: "dm_policy", Description: "Whether members may get their results in DMs", Choices: []discord.ApplicationCommandOptionChoiceString{
				{Name: "everyone", Value: string(model.DMEveryone)}, {Name: "nobody", Value: string(model.DMNobody)},
			}},
		}},
		discord.ApplicationCommandOptionSubCommand{Name: "cancel", Description: "Cancel any job", Options: []discord.ApplicationCommandOption{jobIDOption("Job number")}},
		discord.ApplicationCommandOptionSubCommand{Name: "clear", Description: "Cancel every queued job of this server (asks to confirm)"},
		workflowGroup(),
	}}
}

// maxWorkflowName is the longest workflow name /admin workflow add takes.
const maxWorkflowName = 32

func workflowNameOption(desc string, autocomplete bool) discord.ApplicationCommandOption {
	return discord.ApplicationCommandOptionString{Name: "name", Description: desc, Required: true, MinLength: ptr(1), MaxLength: ptr(maxWorkflowName), Autocomplete: autocomplete}
}

func workflowGroup() discord.ApplicationCommandOption {
	return discord.ApplicationCommandOptionSubCommandGroup{Name: "workflow", Description: "This server's ComfyUI workflows", Options: []discord.ApplicationCommandOptionSubCommand{
		{Name: "add", Description: "Upload a workflow (.json, API or UI format), checked against ComfyUI", Options: []discord.ApplicationCommandOption{
			workflowNameOption("Name to use it by (1–32 characters: a-z, 0-9, - and _)", false),
			discord.ApplicationCommandOptionAttachment{Name: "file", Description: "The workflow file (.json, at most 2 MiB)", Required: true},
			discord.ApplicationCommandOptionString{Name: "description", Description: "What it makes, shown in /admin workflow list", MaxLength: ptr(200)},
		}},
		{Name: "list", Description: "Every workflow this server can use and what it binds"},
		{Name: "remove", Description: "Remove one of this server's workflows", Options: []discord.ApplicationCommandOption{
			workflowNameOption("Workflow to remove", true),
		}},
		{Name: "default", Description: "Choose the workflow used when none is given", Options: []discord.ApplicationCommandOption{
			workflowNameOption("Workflow", true),
		}},
	}}
}
