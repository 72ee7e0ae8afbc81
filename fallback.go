package gollama

// fallbackTemplate is used for models without tokenizer.chat_template:
// ChatML, the format most small chat models are tuned on.
func fallbackTemplate(*Model) string {
	return `{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`
}
