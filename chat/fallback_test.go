package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
)

// The conversation and expected renderings of llama.cpp's
// tests/test-chat-template.cpp (native, non-Jinja path).
var llamaCppConversation = []Message{
	{Role: "system", Content: "You are a helpful assistant"},
	{Role: "user", Content: "Hello"},
	{Role: "assistant", Content: "Hi there"},
	{Role: "user", Content: "Who are you"},
	{Role: "assistant", Content: "   I am an assistant   "},
	{Role: "user", Content: "Another question"},
}

var nativeExpected = map[Family]string{
	"chatml":           "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n",
	"llama2":           "[INST] You are a helpful assistant\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]",
	"llama2-sys-bos":   "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s><s>[INST] Who are you [/INST]   I am an assistant   </s><s>[INST] Another question [/INST]",
	"llama2-sys-strip": "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another question [/INST]",
	"monarch":          "system\nYou are a helpful assistant</s>\n<s>user\nHello</s>\n<s>assistant\nHi there</s>\n<s>user\nWho are you</s>\n<s>assistant\n   I am an assistant   </s>\n<s>user\nAnother question</s>\n<s>assistant\n",
	"gemma":            "<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n",
	"orion":            "Human: You are a helpful assistant\n\nHello\n\nAssistant: </s>Hi there</s>Human: Who are you\n\nAssistant: </s>   I am an assistant   </s>Human: Another question\n\nAssistant: </s>",
	"openchat":         "You are a helpful assistant<|end_of_turn|>GPT4 Correct User: Hello<|end_of_turn|>GPT4 Correct Assistant: Hi there<|end_of_turn|>GPT4 Correct User: Who are you<|end_of_turn|>GPT4 Correct Assistant:    I am an assistant   <|end_of_turn|>GPT4 Correct User: Another question<|end_of_turn|>GPT4 Correct Assistant:",
	"deepseek":         "You are a helpful assistant### Instruction:\nHello\n### Response:\nHi there\n<|EOT|>\n### Instruction:\nWho are you\n### Response:\n   I am an assistant   \n<|EOT|>\n### Instruction:\nAnother question\n### Response:\n",
	"vicuna":           "You are a helpful assistant\n\nUSER: Hello\nASSISTANT: Hi there</s>\nUSER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:",
	"vicuna-orca":      "SYSTEM: You are a helpful assistant\nUSER: Hello\nASSISTANT: Hi there</s>\nUSER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:",
	"command-r":        "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are a helpful assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hello<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Hi there<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Who are you<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>I am an assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another question<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
	"llama3":           "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
	"phi3":             "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n",
	"chatglm3":         "[gMASK]sop<|system|>\n You are a helpful assistant<|user|>\n Hello<|assistant|>\n Hi there<|user|>\n Who are you<|assistant|>\n    I am an assistant   <|user|>\n Another question<|assistant|>",
	"minicpm":          "You are a helpful assistant<用户>Hello<AI>Hi there<用户>Who are you<AI>I am an assistant<用户>Another question<AI>",
	"deepseek2":        "You are a helpful assistant\n\nUser: Hello\n\nAssistant: Hi there<｜end▁of▁sentence｜>User: Who are you\n\nAssistant:    I am an assistant   <｜end▁of▁sentence｜>User: Another question\n\nAssistant:",
	"granite":          "<|start_of_role|>system<|end_of_role|>You are a helpful assistant<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Hello<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>Hi there<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Who are you<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>   I am an assistant   <|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Another question<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>\n",
	"mistral-v1":       " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]",
	"mistral-v3":       "[INST] You are a helpful assistant\n\nHello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another question[/INST]",
}

func TestRenderFamilyMatchesLlamaCpp(t *testing.T) {
	for f, want := range nativeExpected {
		got, err := RenderFamily(f, llamaCppConversation, true)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", f, got, want)
		}
	}
	for _, f := range Families {
		if _, err := RenderFamily(f, llamaCppConversation, false); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := RenderFamily("nonsense", nil, true); err == nil {
		t.Error("unknown family rendered")
	}
}

func TestDetectFamily(t *testing.T) {
	snippets := map[string]Family{
		"{{'<|im_start|>' + message['role']}}":                "chatml",
		"<|im_start|><|im_sep|>":                              "phi4",
		"{{ '[INST] ' + message['content'] + ' [/INST]' }}":   "llama2",
		"[INST] <<SYS>>":                                      "llama2-sys",
		"{{ bos_token + '[INST] ' }} <<SYS>>":                 "llama2-sys-bos",
		"[INST] content.strip()":                              "llama2-sys-strip",
		"[SYSTEM_PROMPT] [INST]":                              "mistral-v7",
		"[AVAILABLE_TOOLS] \"[INST]\"":                        "mistral-v3-tekken",
		"{{ ' [INST] ' + system_message }} [AVAILABLE_TOOLS]": "mistral-v1",
		"<start_of_turn>user":                                 "gemma",
		"<|start_header_id|>user<|end_header_id|>":            "llama3",
		"<|START_OF_TURN_TOKEN|><|USER_TOKEN|>":               "command-r",
		"<｜Assistant｜><｜User｜><｜end▁of▁sentence｜>":            "deepseek3",
		"<|user|>\n<|assistant|>\n<|end|>":                    "phi3",
		"llama3":                                              "llama3",
		"no markers at all":                                   "",
	}
	for tmpl, want := range snippets {
		if got := DetectFamily(tmpl); got != want {
			t.Errorf("DetectFamily(%q) = %q, want %q", tmpl, got, want)
		}
	}
	files := map[string]Family{
		"Qwen-Qwen2.5-7B-Instruct.jinja":                 "chatml",
		"google-gemma-2-2b-it.jinja":                     "gemma",
		"microsoft-Phi-3.5-mini-instruct.jinja":          "phi3",
		"meta-llama-Llama-3.1-8B-Instruct.jinja":         "llama3",
		"mistralai-Mistral-Nemo-Instruct-2407.jinja":     "mistral-v3-tekken",
		"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja": "deepseek3",
	}
	dir := filepath.Dir(testdata.Path(t, "templates/expected.json"))
	for name, want := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := DetectFamily(string(b)); got != want {
			t.Errorf("%s: detected %q, want %q", name, got, want)
		}
	}
}

func TestApplyFallbacks(t *testing.T) {
	msgs := []Message{{Role: "user", Content: "Hi"}}
	opts := Options{AddGenerationPrompt: true}
	got, err := Apply("", msgs, opts)
	if err != nil || got != "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n" {
		t.Errorf("empty template: %q, %v", got, err)
	}
	if got, err = Apply("gemma", msgs, opts); err != nil || got != "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n" {
		t.Errorf("family name: %q, %v", got, err)
	}
	// A template our engine cannot parse falls back to its family.
	broken := "{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>{% unknown_tag %}"
	if got, err = Apply(broken, msgs, opts); err != nil || !strings.HasPrefix(got, "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>") {
		t.Errorf("broken llama3 template: %q, %v", got, err)
	}
	// A template that raises is an error, not a fallback.
	if _, err = Apply("<|im_start|>{{ raise_exception('no') }}", msgs, opts); err == nil {
		t.Error("raising template did not fail")
	}
}
