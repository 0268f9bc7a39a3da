using System.Text;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Durability;

/// <summary>
/// A data directory Herald cannot use stops it at startup, exit code 2, with standard error
/// naming the file and the problem, and the file left exactly as it was: an operator's data is
/// never overwritten to make the server start.
/// </summary>
public sealed class BadStoreTests
{
    [Fact]
    public async Task Random_bytes_as_herald_db_exit_2_naming_the_file_and_left_unchanged()
    {
        await using var herald = HeraldProcess.Create();
        var bytes = new byte[16 * 1024];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(herald.DatabasePath, bytes);

        await ExpectRefusedAsync(herald);

        Assert.Equal(bytes, File.ReadAllBytes(herald.DatabasePath));
    }

    [Fact]
    public async Task SQLite_header_over_garbage_as_herald_db_exits_2_naming_the_file_and_left_unchanged()
    {
        await using var herald = HeraldProcess.Create();
        var bytes = new byte[16 * 1024];
        new Random(2).NextBytes(bytes);
        "SQLite format 3\0"u8.CopyTo(bytes);
        File.WriteAllBytes(herald.DatabasePath, bytes);

        await ExpectRefusedAsync(herald);

        Assert.Equal(bytes, File.ReadAllBytes(herald.DatabasePath));
    }

    [Fact]
    public async Task Foreign_SQLite_database_as_herald_db_exits_2_naming_the_file_and_left_unchanged()
    {
        await using var herald = HeraldProcess.Create();
        await CreateForeignDatabaseAsync(herald.DatabasePath);
        var bytes = File.ReadAllBytes(herald.DatabasePath);

        await ExpectRefusedAsync(herald);

        Assert.Equal(bytes, File.ReadAllBytes(herald.DatabasePath));
        Assert.False(File.Exists(herald.WalPath), "A WAL was made beside the foreign database: it was opened for writing.");
    }

    /// <summary>
    /// The data directory cannot be created: its parent is a regular file. (The tests run as root,
    /// for whom a chmod 0555 directory is still writable, so this is the unwritable directory here.)
    /// </summary>
    [Fact]
    public async Task Data_dir_below_a_regular_file_exits_2_naming_the_path()
    {
        await using var herald = HeraldProcess.CreateWithDataDir(Path.Combine("file.txt", "data"));
        var parent = Path.Combine(herald.Root, "file.txt");
        File.WriteAllText(parent, "not a directory");

        Assert.True(await herald.StartExpectingExitAsync() == 2, herald.Transcript);

        Assert.Contains(herald.DataDir, herald.ErrorOutput);
        Assert.DoesNotContain("Unhandled exception", herald.ErrorOutput);
        Assert.Equal("not a directory", File.ReadAllText(parent));
    }

    [Fact]
    public async Task Second_herald_on_the_same_data_dir_exits_2_saying_the_database_is_locked()
    {
        await using var first = await HeraldProcess.StartAsync();
        await using var second = HeraldProcess.Create($"--Herald:DataDir={first.DataDir}");

        Assert.True(await second.StartExpectingExitAsync() == 2, second.Transcript);

        Assert.Contains(first.DatabasePath, second.ErrorOutput);
        Assert.Contains("locked", second.ErrorOutput);
        Assert.True(first.IsRunning);
    }

    private static async Task ExpectRefusedAsync(HeraldProcess herald)
    {
        Assert.True(await herald.StartExpectingExitAsync() == 2, herald.Transcript);
        Assert.Contains(herald.DatabasePath, herald.ErrorOutput);
        // The problem in words, not a stack trace.
        Assert.DoesNotContain("Unhandled exception", herald.ErrorOutput);
    }

    /// <summary>
    /// A valid SQLite database of another application, made by the sqlite3 shell or, where it is
    /// not installed, by python3's sqlite3 module (Debian's python3, which the paho tests need anyway).
    /// </summary>
    private static async Task CreateForeignDatabaseAsync(string path)
    {
        const string Sql = "CREATE TABLE invoices(id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL);"
            + " INSERT INTO invoices(customer, total) VALUES ('Ada', 12.5), ('Grace', 99.0);";
        ClientProcess tool;
        if (File.Exists("/usr/bin/sqlite3"))
        {
            tool = ClientProcess.Start("/usr/bin/sqlite3", [path, Sql]);
        }
        else
        {
            var script = new StringBuilder()
                .Append("import sqlite3, sys\n")
                .Append("c = sqlite3.connect(sys.argv[1])\n")
                .Append("c.executescript(sys.argv[2])\n")
                .Append("c.commit()\n")
                .Append("c.close()\n")
                .ToString();
            tool = ClientProcess.Start("/usr/bin/python3", ["-c", script, path, Sql]);
        }
        await using (tool)
            await tool.ExpectSuccessAsync();
        Assert.True(File.Exists(path), $"No foreign database was made at {path}.");
        Assert.Equal("SQLite format 3\0"u8.ToArray(), File.ReadAllBytes(path)[..16]);
    }
}
