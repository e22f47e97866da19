using Allocator.Service.Hosting;
using Allocator.Service.Tools;

// One binary: `serve` (the default) runs a replica; the others are tools that ship in the same image.
return args.FirstOrDefault() switch
{
    "burst" => await BurstCommand.RunAsync(args[1..]),
    "bench-engine" => await EngineBenchCommand.RunAsync(args[1..]),
    "load" => await LoadCommand.RunAsync(args[1..]),
    "forward" => await ForwardCommand.RunAsync(args[1..]),
    "grpc-body" => await GrpcBodyCommand.RunAsync(args[1..]),
    "occupancy" => await OccupancyCommand.RunAsync(args[1..]),
    // Benchmark only: a replica whose calls an Agones-style allocator decides (scripts/bench.sh).
    "baseline-replica" => await ServeAsync(() => BaselineReplica.Build(args[1..])),
    "serve" => await ServeAsync(() => AllocatorHost.Build(args[1..])),
    _ => await ServeAsync(() => AllocatorHost.Build(args)),
};

static async Task<int> ServeAsync(Func<WebApplication> build)
{
    try
    {
        await build().RunAsync();
        return 0;
    }
    catch (Microsoft.Extensions.Options.OptionsValidationException e)
    {
        // Settings are checked before anything starts: say what to fix, without a stack trace.
        Console.Error.WriteLine("Invalid settings:");
        foreach (var failure in e.Failures) Console.Error.WriteLine("  " + failure);
        return 2;
    }
    catch (Allocator.Service.Storage.RedisVersionException e)
    {
        Console.Error.WriteLine(e.Message);
        return 3;
    }
}
