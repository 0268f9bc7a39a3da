namespace Herald.Server.Configuration;

/// <summary>The configuration cannot run; the message names the key and value at fault.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
