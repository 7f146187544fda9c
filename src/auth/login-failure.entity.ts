import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row per failed login, keyed by `user:<name>` and by `address:<ip>`. Kept in PostgreSQL so
 * every instance behind a load balancer counts the same failures.
 */
@Entity({ name: 'login_failures' })
@Index(['key', 'failedAt'])
export class LoginFailure {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  key: string;

  @CreateDateColumn({ name: 'failed_at', type: 'timestamptz' })
  failedAt: Date;
}
