// Package train drives the training of a package snnc compiled with
// --train: epochs over a dataset, learning-rate schedules (constant, step,
// cosine), gradient clipping, early stopping on validation accuracy,
// metrics per epoch, checkpoints as safetensors (weights, optimizer
// state, epoch) from which a run resumes exactly, and the trained weights
// written back as a model file.
//
// The driver knows no compiled package: it takes a [Network], an
// interface of standard types only that every training package's
// generated Trainer (trainer.go) satisfies, so generated packages import
// nothing of snnc:
//
//	net, err := mnistlif.NewTrainer("adam", 1e-3, runtime.NumCPU())
//	res, err := train.Run(net, trainSet, valSet, train.Config{Epochs: 5, Batch: 64, T: 25, Encoder: dataset.Poisson{Seed: 1}, Seed: 1})
//	err = train.SaveModel(net, "mnist_lif.snn.json", "out/trained.snn.json")
//
// A package whose input is declared spikes has a Trainer that is also a
// [BitsNetwork]: with an encoder of spikes, Run hands it each batch
// bit-packed, which trains the same weights from 32 times less memory.
//
// # Reproducibility
//
// The order of the samples and the Poisson spikes depend only on the seed
// and the epoch (package dataset), so a checkpoint holding the weights,
// the optimizer state and the epoch reached is the whole position of a
// run: resuming from it gives the weights an uninterrupted run gives, bit
// for bit, as does the same seed with the same thread count.
package train
