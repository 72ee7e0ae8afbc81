package gollama_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gollama/gollama"
	"github.com/gollama/gollama/chat"
)

func Example() {
	m, err := gollama.Load("stories260K-F32.gguf", gollama.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	p := gollama.DefaultParams()
	p.MaxTokens, p.Seed = 64, 42
	res, err := s.Generate(context.Background(), "Once upon a time", p, func(t gollama.Token) error {
		fmt.Print(t.Text)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\n%.0f tokens/s\n", res.Metrics.GenTokensPerSecond)
}

func ExampleSession_Chat() {
	m, err := gollama.Load("qwen2.5-0.5b-instruct-q4_k_m.gguf", gollama.Options{ContextLength: 2048})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	msgs := []chat.Message{
		{Role: "system", Content: "You are terse."},
		{Role: "user", Content: "Name three primes."},
	}
	res, err := s.Chat(context.Background(), msgs, chat.Options{}, gollama.DefaultParams(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Text)
}

func ExampleSession_Stream() {
	m, err := gollama.Load("stories260K-F32.gguf", gollama.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s, _ := m.NewSession()
	defer s.Close()
	for tok, err := range s.Stream(context.Background(), "Once upon a time", gollama.DefaultParams()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(tok.Text)
	}
}
