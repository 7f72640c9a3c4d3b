using Swarm.ScaleBench;

// The end-to-end scale benchmark: a real control plane on real PostgreSQL and RabbitMQ, with one
// agent process hosting N simulated nodes. Run it with ./swarm bench (see --help).
var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
{
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

return await new BenchRun(options).RunAsync(interrupted.Token);
