package session_test

import (
	"fmt"
	"log"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/sample"
	"github.com/gollama/gollama/session"
)

// Three conversations decoded together: each Infer is one batched forward
// pass for all of them.
func ExampleExecutor() {
	f, err := gguf.Open("stories260K.gguf")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	m, err := model.Load(f)
	if err != nil {
		log.Fatal(err)
	}
	ctx, err := m.NewContext(model.Options{MaxSeqs: 4, MaxOutputs: 4, Cells: 1024})
	if err != nil {
		log.Fatal(err)
	}
	defer ctx.Close()
	exec := session.NewExecutor(ctx)
	smp, _ := sample.New(sample.DefaultParams(), m.Vocab)
	var convs []*session.Conversation
	for _, prompt := range [][]int32{{1, 403, 407}, {1, 261}, {1, 300, 280}} {
		c, err := exec.Create()
		if err != nil {
			log.Fatal(err)
		}
		c.Prompt(prompt...)
		convs = append(convs, c)
	}
	for range 16 {
		if err := exec.Infer(); err != nil {
			log.Fatal(err)
		}
		for _, c := range convs {
			tok, err := c.Sample(smp)
			if err != nil {
				log.Fatal(err)
			}
			c.Prompt(tok)
		}
	}
	for _, c := range convs {
		fmt.Println(c.Session().Tokens())
		c.Dispose()
	}
}
