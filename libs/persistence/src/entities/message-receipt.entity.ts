import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An MQTT message whose effect is committed (written by the sighting writer in the transaction of
 * its rows), so a redelivery of it after a crash is acknowledged, not stored again. One per session
 * and packet id: a newer message with the same id replaces it.
 */
@Entity({ name: 'message_receipts' })
export class MessageReceiptEntity {
  /** The MQTT session: the hub's client id, or `publisher:<client id>` with the embedded broker. */
  @PrimaryColumn({ type: 'text' })
  session!: string;

  @PrimaryColumn({ type: 'integer', name: 'packet_id' })
  packetId!: number;

  /** SHA-1 (base64) of topic and payload: tells a redelivery from a new message reusing the id. */
  @Column({ type: 'text', name: 'message_key' })
  messageKey!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'received_at' })
  receivedAt!: Date;
}
