package server

import (
	"context"
	"strings"
	"testing"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

// The official OpenAI Go client works against the server: chat and text
// completions, streamed and not, and the model list.
func TestOpenAIClient(t *testing.T) {
	m := testModel(t)
	_, hs := testServer(t, m, Options{Parallel: 2, APIKey: "k"})
	client := openai.NewClient(option.WithBaseURL(hs.URL+"/v1/"), option.WithAPIKey("k"))
	ctx := context.Background()

	models, err := client.Models.List(ctx)
	if err != nil || len(models.Data) != 1 || models.Data[0].ID == "" {
		t.Fatalf("models: %v %v", models, err)
	}

	msgs := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Tell a story."), openai.UserMessage("Once upon a time")}
	chat, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gollama", Messages: msgs, MaxTokens: openai.Int(10), Temperature: openai.Float(0), Seed: openai.Int(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(chat.Choices) != 1 || chat.Choices[0].Message.Content == "" || chat.Usage.CompletionTokens != 10 || chat.Choices[0].FinishReason != "length" {
		t.Fatalf("chat: %+v", chat)
	}
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model: "gollama", Messages: msgs, MaxTokens: openai.Int(10), Temperature: openai.Float(0),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got := acc.Choices[0].Message.Content; got != chat.Choices[0].Message.Content {
		t.Errorf("streamed chat %q, unstreamed %q", got, chat.Choices[0].Message.Content)
	}
	if acc.Usage.CompletionTokens != 10 {
		t.Errorf("stream usage %+v", acc.Usage)
	}

	comp, err := client.Completions.New(ctx, openai.CompletionNewParams{
		Model: "gollama", Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
		MaxTokens: openai.Int(8), Temperature: openai.Float(0), N: openai.Int(2), Stop: openai.CompletionNewParamsStopUnion{OfString: openai.String("zzz")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(comp.Choices) != 2 || comp.Choices[0].Text != comp.Choices[1].Text || comp.Choices[0].Text == "" {
		t.Errorf("completions n=2 greedy: %+v", comp.Choices)
	}
	cs := client.Completions.NewStreaming(ctx, openai.CompletionNewParams{
		Model: "gollama", Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
		MaxTokens: openai.Int(8), Temperature: openai.Float(0),
	})
	var text strings.Builder
	for cs.Next() {
		for _, c := range cs.Current().Choices {
			text.WriteString(c.Text)
		}
	}
	if cs.Err() != nil || text.String() != comp.Choices[0].Text {
		t.Errorf("streamed completion %q (%v), want %q", text.String(), cs.Err(), comp.Choices[0].Text)
	}

	bad := openai.NewClient(option.WithBaseURL(hs.URL+"/v1/"), option.WithAPIKey("bad"), option.WithMaxRetries(0))
	if _, err := bad.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gollama", Messages: msgs}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key: %v", err)
	}
}
