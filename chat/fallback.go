package chat

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/gollama/gollama/jinja"
)

// Family is a chat format llama.cpp knows natively (llm_chat_template),
// named as llama.cpp names it ("chatml", "llama3", "mistral-v7", ...).
type Family string

// Families lists the natively rendered formats.
var Families = []Family{
	"chatml", "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip", "mistral-v1", "mistral-v3",
	"mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken", "phi3", "phi4", "falcon3", "zephyr", "monarch",
	"gemma", "orion", "openchat", "vicuna", "vicuna-orca", "deepseek", "deepseek2", "deepseek3", "command-r",
	"llama3", "chatglm3", "chatglm4", "glmedge", "minicpm", "exaone3", "exaone4", "granite", "megrez",
	"llama4", "smolvlm", "rwkv-world",
}

func isFamily(name string) bool {
	for _, f := range Families {
		if string(f) == name {
			return true
		}
	}
	return false
}

// DetectFamily guesses the format from a template's text (or takes tmpl
// as a family name), following llama.cpp's llm_chat_detect_template.
// It returns "" when nothing matches.
func DetectFamily(tmpl string) Family {
	if isFamily(tmpl) {
		return Family(tmpl)
	}
	has := func(s string) bool { return strings.Contains(tmpl, s) }
	switch {
	case has("<|im_start|>"):
		if has("<|im_sep|>") {
			return "phi4"
		}
		if has("<end_of_utterance>") {
			return "smolvlm"
		}
		return "chatml"
	case strings.HasPrefix(tmpl, "mistral") || has("[INST]"):
		switch {
		case has("[SYSTEM_PROMPT]"):
			return "mistral-v7"
		case has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]"):
			if has(" [INST]") {
				return "mistral-v1"
			}
			if has(`"[INST]"`) {
				return "mistral-v3-tekken"
			}
			return "mistral-v3"
		case has("content.strip()"):
			return "llama2-sys-strip"
		case has("bos_token + '[INST]"):
			return "llama2-sys-bos"
		case has("<<SYS>>"):
			return "llama2-sys"
		}
		return "llama2"
	case has("<|assistant|>") && has("<|end|>"):
		return "phi3"
	case has("[gMASK]<sop>"):
		return "chatglm4"
	case has("<|assistant|>") && has("<|user|>"):
		if has("</s>") {
			return "falcon3"
		}
		return "glmedge"
	case has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>"):
		return "glmedge"
	case has("<|user|>") && has("<|endoftext|>"):
		return "zephyr"
	case has("bos_token + message['role']"):
		return "monarch"
	case has("<start_of_turn>"):
		return "gemma"
	case has(`'\n\nAssistant: ' + eos_token`):
		return "orion"
	case has("GPT4 Correct "):
		return "openchat"
	case has("USER: ") && has("ASSISTANT: "):
		if has("SYSTEM: ") {
			return "vicuna-orca"
		}
		return "vicuna"
	case has("### Instruction:") && has("<|EOT|>"):
		return "deepseek"
	case has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>"):
		return "command-r"
	case has("<|start_header_id|>") && has("<|end_header_id|>"):
		return "llama3"
	case has("[gMASK]sop"):
		return "chatglm3"
	case has("<用户>"):
		return "minicpm"
	case has("'Assistant: ' + message['content'] + eos_token"):
		return "deepseek2"
	case has("<｜Assistant｜>") && has("<｜User｜>") && has("<｜end▁of▁sentence｜>"):
		return "deepseek3"
	case has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]"):
		if has("[|tool|]") {
			return "exaone4"
		}
		return "exaone3"
	case has("rwkv-world") || has(`{{- 'User: ' + message['content']|trim + '\n\n' -}}`):
		return "rwkv-world"
	case has("<|start_of_role|>"):
		return "granite"
	case has("<|role_start|>"):
		return "megrez"
	case has("<|header_start|>") && has("<|header_end|>"):
		return "llama4"
	}
	return ""
}

// trimC is llama.cpp's trim: ASCII whitespace only.
func trimC(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && unicode.IsSpace(r) })
}

// RenderFamily formats msgs in a native format, as llama.cpp's
// llm_chat_apply_template does (no BOS; addAssistant opens the reply).
func RenderFamily(f Family, msgs []Message, addAssistant bool) (string, error) {
	var b strings.Builder
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	gen := func(s string) {
		if addAssistant {
			b.WriteString(s)
		}
	}
	switch f {
	case "chatml":
		for _, m := range msgs {
			w("<|im_start|>", m.Role, "\n", m.Content, "<|im_end|>\n")
		}
		gen("<|im_start|>assistant\n")
	case "mistral-v7", "mistral-v7-tekken":
		sp := " "
		if f == "mistral-v7-tekken" {
			sp = ""
		}
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w("[SYSTEM_PROMPT]", sp, m.Content, "[/SYSTEM_PROMPT]")
			case "user":
				w("[INST]", sp, m.Content, "[/INST]")
			default:
				w(sp, m.Content, "</s>")
			}
		}
	case "mistral-v1", "mistral-v3", "mistral-v3-tekken":
		lead, trail := "", " "
		if f == "mistral-v1" {
			lead = " "
		}
		if f == "mistral-v3-tekken" {
			trail = ""
		}
		inTurn := false
		for _, m := range msgs {
			if !inTurn {
				w(lead, "[INST]", trail)
				inTurn = true
			}
			switch m.Role {
			case "system":
				w(m.Content, "\n\n")
			case "user":
				w(m.Content, lead, "[/INST]")
			default:
				c := m.Content
				if f == "mistral-v3" {
					c = trimC(c)
				}
				w(trail, c, "</s>")
				inTurn = false
			}
		}
	case "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip":
		inTurn := true
		w("[INST] ")
		for _, m := range msgs {
			c := m.Content
			if f == "llama2-sys-strip" {
				c = trimC(c)
			}
			if !inTurn {
				inTurn = true
				if f == "llama2-sys-bos" {
					w("<s>[INST] ")
				} else {
					w("[INST] ")
				}
			}
			switch m.Role {
			case "system":
				if f != "llama2" {
					w("<<SYS>>\n", c, "\n<</SYS>>\n\n")
				} else {
					w(c, "\n")
				}
			case "user":
				w(c, " [/INST]")
			default:
				w(c, "</s>")
				inTurn = false
			}
		}
	case "phi3":
		for _, m := range msgs {
			w("<|", m.Role, "|>\n", m.Content, "<|end|>\n")
		}
		gen("<|assistant|>\n")
	case "phi4":
		for _, m := range msgs {
			w("<|im_start|>", m.Role, "<|im_sep|>", m.Content, "<|im_end|>")
		}
		gen("<|im_start|>assistant<|im_sep|>")
	case "falcon3":
		for _, m := range msgs {
			w("<|", m.Role, "|>\n", m.Content, "\n")
		}
		gen("<|assistant|>\n")
	case "zephyr":
		for _, m := range msgs {
			w("<|", m.Role, "|>\n", m.Content, "<|endoftext|>\n")
		}
		gen("<|assistant|>\n")
	case "monarch":
		for i, m := range msgs {
			if i > 0 {
				w("<s>")
			}
			w(m.Role, "\n", m.Content, "</s>\n")
		}
		gen("<s>assistant\n")
	case "gemma":
		system := ""
		for _, m := range msgs {
			if m.Role == "system" {
				system += trimC(m.Content)
				continue
			}
			role := m.Role
			if role == "assistant" {
				role = "model"
			}
			w("<start_of_turn>", role, "\n")
			if system != "" && role != "model" {
				w(system, "\n\n")
				system = ""
			}
			w(trimC(m.Content), "<end_of_turn>\n")
		}
		gen("<start_of_turn>model\n")
	case "orion":
		system := ""
		for _, m := range msgs {
			switch m.Role {
			case "system":
				system += m.Content
			case "user":
				w("Human: ")
				if system != "" {
					w(system, "\n\n")
					system = ""
				}
				w(m.Content, "\n\nAssistant: </s>")
			default:
				w(m.Content, "</s>")
			}
		}
	case "openchat":
		for _, m := range msgs {
			if m.Role == "system" {
				w(m.Content, "<|end_of_turn|>")
				continue
			}
			role := m.Role
			if role != "" {
				role = strings.ToUpper(role[:1]) + role[1:]
			}
			w("GPT4 Correct ", role, ": ", m.Content, "<|end_of_turn|>")
		}
		gen("GPT4 Correct Assistant:")
	case "vicuna", "vicuna-orca":
		for _, m := range msgs {
			switch m.Role {
			case "system":
				if f == "vicuna-orca" {
					w("SYSTEM: ", m.Content, "\n")
				} else {
					w(m.Content, "\n\n")
				}
			case "user":
				w("USER: ", m.Content, "\n")
			case "assistant":
				w("ASSISTANT: ", m.Content, "</s>\n")
			}
		}
		gen("ASSISTANT:")
	case "deepseek":
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w(m.Content)
			case "user":
				w("### Instruction:\n", m.Content, "\n")
			case "assistant":
				w("### Response:\n", m.Content, "\n<|EOT|>\n")
			}
		}
		gen("### Response:\n")
	case "command-r":
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w("<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>", trimC(m.Content), "<|END_OF_TURN_TOKEN|>")
			case "user":
				w("<|START_OF_TURN_TOKEN|><|USER_TOKEN|>", trimC(m.Content), "<|END_OF_TURN_TOKEN|>")
			case "assistant":
				w("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>", trimC(m.Content), "<|END_OF_TURN_TOKEN|>")
			}
		}
		gen("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")
	case "llama3":
		for _, m := range msgs {
			w("<|start_header_id|>", m.Role, "<|end_header_id|>\n\n", trimC(m.Content), "<|eot_id|>")
		}
		gen("<|start_header_id|>assistant<|end_header_id|>\n\n")
	case "chatglm3":
		w("[gMASK]sop")
		for _, m := range msgs {
			w("<|", m.Role, "|>\n ", m.Content)
		}
		gen("<|assistant|>")
	case "chatglm4":
		w("[gMASK]<sop>")
		for _, m := range msgs {
			w("<|", m.Role, "|>\n", m.Content)
		}
		gen("<|assistant|>\n")
	case "glmedge":
		for _, m := range msgs {
			w("<|", m.Role, "|>\n", m.Content)
		}
		gen("<|assistant|>")
	case "minicpm":
		for _, m := range msgs {
			if m.Role == "user" {
				w("<用户>", trimC(m.Content), "<AI>")
			} else {
				w(trimC(m.Content))
			}
		}
	case "deepseek2":
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w(m.Content, "\n\n")
			case "user":
				w("User: ", m.Content, "\n\n")
			case "assistant":
				w("Assistant: ", m.Content, "<｜end▁of▁sentence｜>")
			}
		}
		gen("Assistant:")
	case "deepseek3":
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w(m.Content, "\n\n")
			case "user":
				w("<｜User｜>", m.Content)
			case "assistant":
				w("<｜Assistant｜>", m.Content, "<｜end▁of▁sentence｜>")
			}
		}
		gen("<｜Assistant｜>")
	case "exaone3", "exaone4":
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w("[|system|]", trimC(m.Content), "[|endofturn|]\n")
			case "user":
				w("[|user|]", trimC(m.Content), "\n")
			case "assistant":
				w("[|assistant|]", trimC(m.Content), "[|endofturn|]\n")
			case "tool":
				if f == "exaone4" {
					w("[|tool|]", trimC(m.Content), "[|endofturn|]\n")
				}
			}
		}
		gen("[|assistant|]")
	case "rwkv-world":
		for i, m := range msgs {
			switch m.Role {
			case "system":
				w("System: ", trimC(m.Content), "\n\n")
			case "user":
				w("User: ", trimC(m.Content), "\n\n")
				if i == len(msgs)-1 {
					w("Assistant:")
				}
			case "assistant":
				w("Assistant: ", trimC(m.Content), "\n\n")
			}
		}
	case "granite":
		for _, m := range msgs {
			w("<|start_of_role|>", m.Role, "<|end_of_role|>")
			if m.Role == "assistant_tool_call" {
				w("<|tool_call|>")
			}
			w(m.Content, "<|end_of_text|>\n")
		}
		gen("<|start_of_role|>assistant<|end_of_role|>\n")
	case "megrez":
		for _, m := range msgs {
			w("<|role_start|>", m.Role, "<|role_end|>", m.Content, "<|turn_end|>")
		}
		gen("<|role_start|>assistant<|role_end|>")
	case "llama4":
		for _, m := range msgs {
			w("<|header_start|>", m.Role, "<|header_end|>\n\n", trimC(m.Content), "<|eot|>")
		}
		gen("<|header_start|>assistant<|header_end|>\n\n")
	case "smolvlm":
		w("<|im_start|>")
		for _, m := range msgs {
			switch m.Role {
			case "system":
				w(m.Content, "\n\n")
			case "user":
				w("User: ", m.Content, "<end_of_utterance>\n")
			default:
				w("Assistant: ", m.Content, "<end_of_utterance>\n")
			}
		}
		gen("Assistant:")
	default:
		return "", fmt.Errorf("chat: unknown template family %q", f)
	}
	return b.String(), nil
}

// Apply formats a conversation for a model: with its Jinja template when
// it has one that parses; with the native format the template (or a
// family name given as tmpl) indicates otherwise; chatml, llama.cpp's
// default, when tmpl is empty.
func Apply(tmpl string, msgs []Message, opts Options) (string, error) {
	if tmpl == "" {
		return RenderFamily("chatml", msgs, opts.AddGenerationPrompt)
	}
	if isFamily(tmpl) {
		return RenderFamily(Family(tmpl), msgs, opts.AddGenerationPrompt)
	}
	out, err := Render(tmpl, msgs, opts)
	var je *jinja.Error
	if err != nil && errors.As(err, &je) && je.Syntax {
		if f := DetectFamily(tmpl); f != "" {
			return RenderFamily(f, msgs, opts.AddGenerationPrompt)
		}
	}
	return out, err
}
