using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TxCoordinator.Coordinator.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "transactions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    deadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    abort_reason = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    one_phase = table.Column<bool>(type: "boolean", nullable: false),
                    metadata = table.Column<string>(type: "jsonb", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transactions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "participants",
                columns: table => new
                {
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    participant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    endpoint = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    enlisted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    vote = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    vote_reason = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    voted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    acknowledged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    acknowledged_outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    delivery_attempts = table.Column<int>(type: "integer", nullable: false),
                    last_sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_participants", x => new { x.transaction_id, x.participant_id });
                    table.ForeignKey(
                        name: "FK_participants_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalTable: "transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_participants_participant_id",
                table: "participants",
                column: "participant_id");

            migrationBuilder.CreateIndex(
                name: "ix_transactions_state_created_at",
                table: "transactions",
                columns: new[] { "state", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_transactions_unfinished_deadline",
                table: "transactions",
                column: "deadline",
                filter: "state NOT IN ('Committed', 'Aborted')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "participants");

            migrationBuilder.DropTable(
                name: "transactions");
        }
    }
}
