using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Auth;

/// <summary>The herald executable (herald.dll beside the test assembly) run as an operator runs it, on the test's runtime.</summary>
public static class HeraldExecutable
{
    private static readonly string HeraldDll = typeof(HeraldHost).Assembly.Location;

    public static ClientProcess Start(IEnumerable<string> arguments, string? standardInput = null) =>
        ClientProcess.Start(DotnetHost(), [HeraldDll, .. arguments], standardInput, workingDirectory: Path.GetDirectoryName(HeraldDll));

    /// <summary>Runs a command to its end and returns its exit code.</summary>
    public static async Task<(int Code, ClientProcess Process)> RunAsync(IEnumerable<string> arguments, string? standardInput = null)
    {
        var process = Start(arguments, standardInput);
        try
        {
            return (await process.WaitForExitAsync(), process);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            return Environment.ProcessPath!;
        return "dotnet";
    }
}
