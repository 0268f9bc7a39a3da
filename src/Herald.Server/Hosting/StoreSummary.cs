namespace Herald.Server.Hosting;

/// <summary>What the durable store gave back at startup, for the startup log.</summary>
public sealed record StoreSummary(string Path, int Sessions, int Messages, int Retained, TimeSpan Elapsed);
