using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Herald.Microbench -- --filter '*'
// Every benchmark class carries [MemoryDiagnoser]: the Allocated column is the proof that a hot
// path allocates nothing (STYLE.md rule 4), or how much it does.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
