using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TxCoordinator.Coordinator.Persistence.EntityConfigurations;

internal sealed class ParticipantRecordEntityTypeConfiguration : IEntityTypeConfiguration<ParticipantRecord>
{
    public void Configure(EntityTypeBuilder<ParticipantRecord> builder)
    {
        builder.ToTable("participants");
        builder.HasKey(p => new { p.TransactionId, p.ParticipantId });
        builder.Property(p => p.TransactionId).HasColumnName("transaction_id");
        builder.Property(p => p.ParticipantId).HasColumnName("participant_id").HasMaxLength(64);
        builder.Property(p => p.Endpoint).HasColumnName("endpoint").HasMaxLength(200);
        builder.Property(p => p.EnlistedAt).HasColumnName("enlisted_at");
        builder.Property(p => p.Vote).HasColumnName("vote").HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.VoteReason).HasColumnName("vote_reason").HasMaxLength(1024);
        builder.Property(p => p.VotedAt).HasColumnName("voted_at");
        builder.Property(p => p.AcknowledgedAt).HasColumnName("acknowledged_at");
        builder.Property(p => p.AcknowledgedOutcome).HasColumnName("acknowledged_outcome").HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.DeliveryAttempts).HasColumnName("delivery_attempts");
        builder.Property(p => p.LastSentAt).HasColumnName("last_sent_at");
        builder.Property(p => p.Version).HasColumnName("xmin").HasColumnType("xid").IsRowVersion();
        builder.Ignore(p => p.IsDone);
        builder.HasIndex(p => p.ParticipantId).HasDatabaseName("ix_participants_participant_id");
    }
}
