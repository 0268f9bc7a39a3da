using Herald.Server.Cli;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// <c>herald import mosquitto</c> with files from a Mosquitto deployment: a password file written by
/// the real <c>mosquitto_passwd</c> and an acl_file; the users log in with their Mosquitto passwords.
/// </summary>
public sealed class MosquittoImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("herald-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Users_and_acl_of_a_mosquitto_deployment_work_unchanged_after_import()
    {
        var passwd = Path.Combine(_dir, "passwd");
        await RunAsync("/usr/bin/mosquitto_passwd", "-c", "-b", passwd, "dave", "dave's password");
        await RunAsync("/usr/bin/mosquitto_passwd", "-b", passwd, "erin", "erin's password");
        var acl = Path.Combine(_dir, "acl");
        await File.WriteAllTextAsync(acl, """
            # anonymous clients
            topic read public/#

            user dave
            topic readwrite devices/dave/#
            topic deny devices/dave/secret

            pattern write clients/%c/status
            """);
        var dataDir = Path.Combine(_dir, "data");

        using (StringWriter output = new(), error = new())
        {
            var code = await ImportCommand.RunAsync(["mosquitto", "--passwd", passwd, "--acl", acl, $"--Herald:DataDir={dataDir}"], output, error);
            Assert.True(code == 0, error.ToString());
            Assert.Contains("imported 2 users and 4 ACL rules", output.ToString());
        }

        await using var server = await HeraldServer.StartAsync(null, null, $"--Herald:DataDir={dataDir}", "--Herald:Auth:AllowAnonymous=false");
        Assert.Equal(4, server.Broker.Acl.Rules.Count);
        Assert.Equal(MqttClientConnectResultCode.Success, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, "dave", "dave's password")).Code);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, "erin", "dave's password")).Code);
        Assert.True(server.Broker.Acl.CanWrite("x", "dave", "devices/dave/temp"));
        Assert.False(server.Broker.Acl.CanRead("x", "dave", "devices/dave/secret"));
        Assert.True(server.Broker.Acl.CanRead("x", null, "public/news"));
        Assert.True(server.Broker.Acl.CanWrite("sensor-1", "erin", "clients/sensor-1/status"));
    }

    [Fact]
    public async Task A_bad_line_stops_the_import_naming_the_file_and_line_and_nothing_is_written()
    {
        var acl = Path.Combine(_dir, "acl");
        await File.WriteAllTextAsync(acl, "user dave\ntopic read a/#\nnonsense here\n");
        var dataDir = Path.Combine(_dir, "data");
        using StringWriter output = new(), error = new();

        var code = await ImportCommand.RunAsync(["mosquitto", "--acl", acl, $"--Herald:DataDir={dataDir}"], output, error);

        Assert.Equal(2, code);
        Assert.Contains($"{acl}:3", error.ToString());
        Assert.False(File.Exists(Path.Combine(dataDir, "auth.db")), "the auth database was touched");
    }

    private static async Task RunAsync(string program, params string[] args)
    {
        await using var process = ClientProcess.Start(program, args);
        await process.ExpectSuccessAsync();
    }
}
