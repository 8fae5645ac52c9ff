using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TxCoordinator.Coordinator.Persistence.EntityConfigurations;

internal sealed class TransactionRecordEntityTypeConfiguration : IEntityTypeConfiguration<TransactionRecord>
{
    public void Configure(EntityTypeBuilder<TransactionRecord> builder)
    {
        builder.ToTable("transactions");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasColumnName("id").ValueGeneratedNever();
        // Stored as text so operators can read the table with psql.
        builder.Property(t => t.State).HasColumnName("state").HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.CreatedAt).HasColumnName("created_at");
        builder.Property(t => t.Deadline).HasColumnName("deadline");
        builder.Property(t => t.DecidedAt).HasColumnName("decided_at");
        builder.Property(t => t.PrepareStartedAt).HasColumnName("prepare_started_at");
        builder.Property(t => t.CompletedAt).HasColumnName("completed_at");
        builder.Property(t => t.AbortReason).HasColumnName("abort_reason").HasMaxLength(1024);
        builder.Property(t => t.OnePhase).HasColumnName("one_phase");
        builder.Property(t => t.DurableEnlistments).HasColumnName("durable_enlistments");
        // Serialised by hand: Npgsql's dynamic JSON mapping needs a global opt-in we do not want for one column.
        builder.Property(t => t.Metadata).HasColumnName("metadata").HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonSerializerOptions.Default) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                    v => v.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
                    v => new Dictionary<string, string>(v, StringComparer.Ordinal)));
        builder.Property(t => t.Audit).HasColumnName("audit").HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<List<AuditEntry>>(v, JsonSerializerOptions.Default) ?? new List<AuditEntry>(),
                new ValueComparer<List<AuditEntry>>(
                    (a, b) => a!.SequenceEqual(b!),
                    v => v.Aggregate(0, (hash, entry) => HashCode.Combine(hash, entry)),
                    v => v.ToList()));
        builder.Property(t => t.Revision).HasColumnName("revision");
        builder.Property(t => t.Version).HasColumnName("xmin").HasColumnType("xid").IsRowVersion();
        builder.Ignore(t => t.IsFinal);
        builder.Ignore(t => t.Outcome);

        builder.HasMany(t => t.Participants).WithOne().HasForeignKey(p => p.TransactionId).OnDelete(DeleteBehavior.Cascade);

        // The supervisor only ever scans unfinished transactions; keep that index small.
        builder.HasIndex(t => t.Deadline)
            .HasDatabaseName("ix_transactions_unfinished_deadline")
            .HasFilter("state NOT IN ('Committed', 'Aborted')");
        builder.HasIndex(t => new { t.State, t.CreatedAt }).HasDatabaseName("ix_transactions_state_created_at");
        // The admin API pages through all transactions in (created_at, id) order.
        builder.HasIndex(t => new { t.CreatedAt, t.Id }).HasDatabaseName("ix_transactions_created_at_id");
    }
}
