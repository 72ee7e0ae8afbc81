package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gollama/gollama/chat"
	"github.com/gollama/gollama/jinja"
)

func init() {
	register(&command{name: "chat-template", summary: "render a Jinja chat template with messages", run: runChatTemplate})
}

func runChatTemplate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("chat-template", stderr)
	tmplPath := fs.String("t", "", "chat template `FILE` (.jinja)")
	msgsPath := fs.String("messages", "", "`FILE` with a JSON array of messages")
	toolsPath := fs.String("tools", "", "`FILE` with a JSON array of tool definitions")
	varsPath := fs.String("vars", "", "`FILE` with a JSON object of extra template variables")
	addGen := fs.Bool("add-generation-prompt", false, "end with the assistant turn's opening")
	bos := fs.String("bos", "<s>", "bos_token")
	eos := fs.String("eos", "</s>", "eos_token")
	date := fs.String("date", "", "date for strftime_now, `YYYY-MM-DD` (default today)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *tmplPath == "" || *msgsPath == "" {
		fmt.Fprintln(stderr, "usage: gollama chat-template -t FILE.jinja --messages MESSAGES.json [--add-generation-prompt] [--bos S] [--eos S] [--date YYYY-MM-DD] [--tools TOOLS.json] [--vars VARS.json]")
		return errUsage
	}
	src, err := os.ReadFile(*tmplPath)
	if err != nil {
		return err
	}
	opts := chat.Options{AddGenerationPrompt: *addGen, BOS: *bos, EOS: *eos}
	if *date != "" {
		if opts.Date, err = time.Parse("2006-01-02", *date); err != nil {
			return fmt.Errorf("--date: %w", err)
		}
	}
	var msgs []chat.Message
	if err := readJSONFile(*msgsPath, &msgs); err != nil {
		return err
	}
	if *toolsPath != "" {
		if err := readJSONFile(*toolsPath, &opts.Tools); err != nil {
			return err
		}
		if opts.Tools == nil {
			opts.Tools = []json.RawMessage{}
		}
	}
	if *varsPath != "" {
		b, err := os.ReadFile(*varsPath)
		if err != nil {
			return err
		}
		v, err := jinja.ParseJSON(b)
		if err != nil {
			return fmt.Errorf("%s: %w", *varsPath, err)
		}
		d, ok := v.(*jinja.Dict)
		if !ok {
			return fmt.Errorf("%s: want a JSON object", *varsPath)
		}
		opts.Vars = map[string]any{}
		for _, kv := range d.Items() {
			pair := kv.(jinja.Tuple)
			opts.Vars[pair[0].(string)] = pair[1]
		}
	}
	out, err := chat.Render(string(src), msgs, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", *tmplPath, err)
	}
	_, err = io.WriteString(stdout, out)
	return err
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
