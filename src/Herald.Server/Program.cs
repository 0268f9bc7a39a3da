using Herald.Server;
using Herald.Server.Cli;
using Herald.Server.Configuration;
using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.Connections;

// Verbs on the one executable: `herald serve` (the default) and `herald user ...`.
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
var rest = args.Length > 0 && args[0] == verb ? args[1..] : args;
if (verb == "user")
    return await UserCommand.RunAsync(rest, Console.In, Console.Out, Console.Error);
if (verb == "acl")
    return await AclCommand.RunAsync(rest, Console.Out, Console.Error);
if (verb == "ban")
    return await BanCommand.RunAsync(rest, Console.Out, Console.Error);
if (verb == "import")
    return await ImportCommand.RunAsync(rest, Console.Out, Console.Error);
if (verb != "serve")
{
    Console.Error.WriteLine($"herald: unknown command '{verb}'. Usage: herald [serve] [--Herald:Mqtt:Port=1883 ...] | {UserCommand.Usage} | {AclCommand.Usage} | {BanCommand.Usage} | {ImportCommand.Usage}");
    return 2;
}

try
{
    var app = HeraldHost.Build(rest);
    await app.RunAsync();
    return 0;
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"herald: invalid configuration: {e.Message}");
    return 2;
}
catch (StoreException e)
{
    Console.Error.WriteLine($"herald: cannot start: {e.Message}");
    return 2;
}
catch (IOException e) when (e.InnerException is AddressInUseException)
{
    // Kestrel's message names the address: "Failed to bind to address http://127.0.0.1:1883: address already in use."
    Console.Error.WriteLine($"herald: cannot listen: {e.Message} Another process holds the port; choose another with --Herald:Mqtt:Port or --Herald:Http:Port.");
    return 2;
}
