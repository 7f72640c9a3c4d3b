using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Swarm.Scheduler.Benchmarks.PlacementBenchmark).Assembly).Run(args);
