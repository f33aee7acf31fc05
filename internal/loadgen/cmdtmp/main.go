package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/alexa-harness/harness/internal/loadgen"
)

func main() {
	p, raw, err := loadgen.LoadProfile(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	d, _ := time.ParseDuration(os.Args[2])
	s, err := loadgen.Run(context.Background(), loadgen.Options{Profile: p, ProfileRaw: raw, ProfileFile: os.Args[1], OutDir: os.Args[3], Duration: d,
		OnProgress: func(pr loadgen.Progress) { fmt.Fprintf(os.Stderr, "%+v\n", pr) }})
	if err != nil {
		fmt.Println("ERR", err)
	}
	b, _ := json.MarshalIndent(s, "", " ")
	os.Stdout.Write(b)
}
