import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/bigint.transformer.js';

export type Role = 'user' | 'admin';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /**
   * For the app's own accounts, unique regardless of case. For OMERO's, OMERO's current name for
   * omeroUserId, exactly (OMERO's "Alice" and "alice" are two people), and not unique here: a
   * name can pass from one OMERO user to another.
   */
  @Column({ type: 'varchar', length: 64 })
  username: string;

  /** OMERO's id of the user, for accounts that OMERO sign-in made or claimed; unique. */
  @Column({ name: 'omero_user_id', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  omeroUserId: number | null;

  /**
   * `scrypt$N$r$p$salt$hash`, see password-hasher.ts; null for accounts without a password of
   * their own, whose owners sign in through OMERO.
   */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role: Role;

  /** A disabled user cannot sign in, and existing tokens stop working at once. */
  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;
}

/** Roles as clients see them: every user has `user`; administrators also `admin`. */
export function rolesOf(user: Pick<User, 'role'>): Role[] {
  return user.role === 'admin' ? ['user', 'admin'] : ['user'];
}
