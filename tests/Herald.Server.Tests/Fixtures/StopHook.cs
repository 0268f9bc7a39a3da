using Microsoft.Extensions.Hosting;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Runs test code in the middle of shutdown, after Herald's engine was told to stop and before
/// Kestrel stops listening. Herald stops its engine from an ApplicationStopping callback that it
/// registers when its hosted service starts; this hook registers earlier (while starting), and
/// cancellation callbacks run last registered first, so it runs right after the engine's. The
/// host stops Kestrel only once every callback has returned.
/// </summary>
public sealed class StopHook(IHostApplicationLifetime lifetime, Func<Task> onStopping) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // The callback is synchronous and runs on the thread that stops the host: run the hook on
        // the thread pool so it cannot deadlock on that thread's synchronization context.
        lifetime.ApplicationStopping.Register(() => Task.Run(onStopping).GetAwaiter().GetResult());
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
