// Command train-mnist trains the 784-256-10 LIF network of
// testdata/models/mnist_lif.snn.json, compiled with --train into
// ../mnist/mnistlif, on Poisson-encoded MNIST, and writes the trained
// model file into the directory given by -out.
package main

import (
	"flag"
	"fmt"
	"log"
	"path/filepath"
	"runtime"

	"github.com/snnc/snnc/dataset"
	"github.com/snnc/snnc/examples/mnist/mnistlif"
	"github.com/snnc/snnc/train"
)

func main() {
	epochs := flag.Int("epochs", 3, "epochs")
	limit := flag.Int("n", 0, "train on the first n samples only (0: all)")
	out := flag.String("out", ".", "directory for the checkpoint and the trained model")
	flag.Parse()
	trainSet, test, err := dataset.MNIST()
	if err != nil {
		log.Fatal(err)
	}
	if *limit > 0 {
		trainSet = trainSet.Subset(iota(*limit))
	}
	net, err := mnistlif.NewTrainer("adam", 1e-3, runtime.NumCPU())
	if err != nil {
		log.Fatal(err)
	}
	cfg := train.Config{Epochs: *epochs, Batch: 64, T: 25, Seed: 1, LR: 1e-3,
		Encoder: dataset.Poisson{Seed: 1}, Schedule: train.Cosine{},
		Checkpoint: filepath.Join(*out, "checkpoint.safetensors"),
		OnEpoch: func(m train.Metrics) {
			fmt.Printf("epoch %d: loss %.4f, train %.2f %%, test %.2f %%, %.0f s\n", m.Epoch, m.Loss, 100*m.TrainAcc, 100*m.ValAcc, m.Seconds)
		}}
	if _, err := train.Run(net, trainSet, test, cfg); err != nil {
		log.Fatal(err)
	}
	if err := train.SaveModel(net, "testdata/models/mnist_lif.snn.json", filepath.Join(*out, "mnist_lif_trained.snn.json")); err != nil {
		log.Fatal(err)
	}
}

func iota(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}
