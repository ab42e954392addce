import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The receipts of the MQTT messages of one session whose last rows one sighting batch committed
 * (written in that batch's transaction): one row per batch and session, not per message, so a
 * message of one observation does not cost a second row. A redelivery after a crash is looked up
 * here (the newest batch holding its packet id) and acknowledged, not stored again.
 */
@Entity({ name: 'message_receipt_batches' })
export class MessageReceiptBatchEntity {
  /** The MQTT session: the hub's client id, or `publisher:<client id>` with the embedded broker. */
  @PrimaryColumn({ type: 'text' })
  session!: string;

  /**
   * The session's receipts committed up to and including this batch: orders its batches, and
   * tells which ones can go (their receipts have 65,535 newer ones: their ids were reused).
   */
  @PrimaryColumn({ type: 'bigint', name: 'last_ordinal' })
  lastOrdinal!: string;

  /** Packet ids, in arrival order (one per message; a repeated id keeps its last message). */
  @Column({ type: 'integer', array: true, name: 'packet_ids' })
  packetIds!: number[];

  /** SHA-1 (base64) of each message's topic and payload, same order as `packetIds`. */
  @Column({ type: 'text', array: true, name: 'message_keys' })
  messageKeys!: string[];

  @CreateDateColumn({ type: 'timestamptz', name: 'received_at' })
  receivedAt!: Date;
}
