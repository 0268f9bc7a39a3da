namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Upper bounds on waiting, so a broken server fails a test instead of hanging it. They are never
/// asserted on: a healthy run finishes far inside them.
/// </summary>
public static class Wait
{
    /// <summary>For anything on loopback: a message, an acknowledgement, a close.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>For a separate process to start, do its work and exit.</summary>
    public static readonly TimeSpan ProcessBound = TimeSpan.FromSeconds(20);
}
